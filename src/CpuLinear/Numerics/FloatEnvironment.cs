namespace CpuLinear.Numerics;

/// <summary>
/// The calling thread's float32 flush mode, set through the native shim (x86-64 MXCSR, ARM64 FPCR).
/// </summary>
/// <remarks>
/// The register is per thread. The .NET runtime does not support managed code running with FTZ/DAZ set
/// (dotnet/runtime#109997), so a mode is only ever set around a compute region with
/// <c>using var scope = FloatEnvironment.Enter(mode);</c>, which restores the caller's exact value on every
/// exit, exceptions included. Parallel loops must enter the caller's mode inside each work item: a thread-pool
/// thread does not inherit it, and must never be handed back flushed.
/// </remarks>
public static class FloatEnvironment
{
    private static readonly FloatControl s_control = FloatControl.LoadDefault();

    /// <summary>The process-wide state, for tests and the CLI.</summary>
    internal static FloatControl Control => s_control;

    /// <summary>True when the native shim is loaded and usable on this architecture.</summary>
    public static bool IsHardwareControlAvailable => s_control.IsAvailable;

    /// <summary>One line: where the shim was loaded from, or why it is not used.</summary>
    public static string Description => s_control.Description;

    /// <summary>The calling thread's flush bits as a mode; <see cref="FloatMode.Ieee"/> when there is no shim.</summary>
    public static FloatMode CurrentMode => s_control.CurrentMode;

    /// <summary>
    /// Sets the flush bits of <paramref name="mode"/> on the calling thread, keeping all other bits, until the
    /// returned scope is disposed.
    /// </summary>
    /// <exception cref="NotSupportedException">
    /// <paramref name="mode"/> is not <see cref="FloatMode.Ieee"/> and hardware control is unavailable, or the
    /// architecture cannot express it (ARM64: FlushToZero or DenormalsAreZero alone). The message names the reason.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static FloatEnvironmentScope Enter(FloatMode mode) => s_control.Enter(mode);

    /// <summary>
    /// Whether <see cref="Enter"/> can set <paramref name="mode"/> here: <see cref="FloatMode.Ieee"/> always; the
    /// others need the shim; ARM64 has FlushToZeroAndDenormalsAreZero only.
    /// </summary>
    public static bool Supports(FloatMode mode) => s_control.Supports(mode);
}
