namespace CpuLinear.Numerics;

/// <summary>
/// The float mode set by <see cref="FloatEnvironment.Enter"/>, undone by <see cref="Dispose"/>.
/// A ref struct so it cannot leave the stack frame, and therefore cannot be disposed on another thread than
/// the one whose register it changed (the register is per thread).
/// </summary>
public ref struct FloatEnvironmentScope
{
    private readonly ulong _saved;
    private bool _restore;

    internal FloatEnvironmentScope(ulong saved)
    {
        _saved = saved;
        _restore = true;
    }

    /// <summary>
    /// Writes back the caller's exact register value as it was at <see cref="FloatEnvironment.Enter"/>, every bit
    /// (rounding, exception masks and sticky flags included). Idempotent; a no-op for an Ieee scope without
    /// hardware control.
    /// </summary>
    public void Dispose()
    {
        if (_restore)
        {
            // Unconditional write: code inside the scope may have changed more than the flush bits, and on
            // Windows x64 the runtime may reset MXCSR on the way into the finally that runs this.
            FloatControlNative.SetControl(_saved);
            _restore = false;
        }
    }
}
