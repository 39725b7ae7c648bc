using System.Runtime.InteropServices;

namespace CpuLinear.Numerics;

/// <summary>
/// What <see cref="FloatEnvironment"/> knows about this process's float control register: whether the shim
/// is usable, which bits mean what on this architecture, and why not when it is not. An instance rather than
/// static state so tests can build the "no shim" variant without touching the process-wide one.
/// </summary>
internal sealed class FloatControl
{
    private FloatControl(bool available, string description, ulong flushOutputBits, ulong flushInputBits, ulong statusFlagMask)
    {
        IsAvailable = available;
        Description = description;
        FlushOutputBits = flushOutputBits;
        FlushInputBits = flushInputBits;
        StatusFlagMask = statusFlagMask;
    }

    /// <summary>True when the shim is loaded and the architecture's bits are the ones expected.</summary>
    public bool IsAvailable { get; }

    /// <summary>One line: where the shim was loaded from, or why it is not used.</summary>
    public string Description { get; }

    /// <summary>Bit(s) flushing tiny results: x86 FTZ 0x8000, ARM64 FZ 1 &lt;&lt; 24. Zero when unavailable.</summary>
    public ulong FlushOutputBits { get; }

    /// <summary>Bit(s) flushing subnormal inputs: x86 DAZ 0x40, ARM64 the same FZ bit. Zero when unavailable.</summary>
    public ulong FlushInputBits { get; }

    /// <summary>
    /// Sticky exception flags that live in the control register itself (x86 MXCSR bits 0-5); any float
    /// instruction may set them, so comparisons of "the same settings" mask them out. ARM64 keeps its flags in
    /// FPSR, not FPCR, so the mask is zero there.
    /// </summary>
    public ulong StatusFlagMask { get; }

    private ulong AllFlushBits => FlushOutputBits | FlushInputBits;

    /// <summary>The process-wide instance: the shim, unless CPULINEAR_NO_NATIVE=1 or it cannot be loaded.</summary>
    public static FloatControl LoadDefault()
    {
        string? disable = Environment.GetEnvironmentVariable(FloatControlNative.DisableVariable);
        bool disabled = disable is not null
            && (disable == "1" || disable.Equals("true", StringComparison.OrdinalIgnoreCase));
        return Load(disabled);
    }

    /// <summary>Builds the state; <paramref name="disabled"/> models CPULINEAR_NO_NATIVE=1.</summary>
    public static FloatControl Load(bool disabled)
    {
        if (disabled)
        {
            return Unavailable($"native shim disabled by {FloatControlNative.DisableVariable}=1; software flush only");
        }

        Architecture arch = RuntimeInformation.ProcessArchitecture;
        if (arch is not (Architecture.X64 or Architecture.Arm64))
        {
            return Unavailable($"no float control shim for {arch} (x64 and arm64 only); software flush only");
        }

        if (!FloatControlNative.TryLoad(out string path, out string failure))
        {
            return Unavailable($"native shim missing: {failure}; software flush only");
        }

        ulong output, input;
        try
        {
            output = FloatControlNative.FlushOutputBits();
            input = FloatControlNative.FlushInputBits();
            _ = FloatControlNative.GetControl();
        }
        catch (EntryPointNotFoundException e)
        {
            return Unavailable($"native shim at {path} lacks an export ({e.Message}); software flush only");
        }

        // A shim reporting other bits than this architecture's is stale or foreign; setting them would be a guess.
        (ulong expectedOutput, ulong expectedInput, ulong flags, string register) = arch == Architecture.X64
            ? (0x8000UL, 0x40UL, 0x3FUL, "MXCSR")
            : (1UL << 24, 1UL << 24, 0UL, "FPCR");
        if (output != expectedOutput || input != expectedInput)
        {
            return Unavailable($"native shim at {path} reports flush bits 0x{output:X}/0x{input:X}, expected 0x{expectedOutput:X}/0x{expectedInput:X} for {arch}; software flush only");
        }

        string bits = arch == Architecture.X64 ? "FTZ 0x8000, DAZ 0x40" : "FZ 0x1000000 (flushes inputs and outputs)";
        return new FloatControl(true, $"native shim loaded from {path} ({register}: {bits})", output, input, flags);
    }

    private static FloatControl Unavailable(string reason) => new(false, reason, 0, 0, 0);

    /// <summary>The calling thread's raw register value (0 when unavailable).</summary>
    public ulong Read() => IsAvailable ? FloatControlNative.GetControl() : 0;

    /// <summary>Whether <paramref name="mode"/> can be set here.</summary>
    public bool Supports(FloatMode mode)
    {
        ValidateMode(mode);
        if (mode == FloatMode.Ieee)
        {
            return true;
        }

        if (!IsAvailable)
        {
            return false;
        }

        // One shared bit (ARM64 FZ) can only express "both" or "neither".
        return FlushOutputBits != FlushInputBits || mode == FloatMode.FlushToZeroAndDenormalsAreZero;
    }

    /// <summary>The register bits that express <paramref name="mode"/>.</summary>
    public ulong BitsOf(FloatMode mode) => mode switch
    {
        FloatMode.Ieee => 0,
        FloatMode.FlushToZero => FlushOutputBits,
        FloatMode.DenormalsAreZero => FlushInputBits,
        _ => AllFlushBits,
    };

    /// <summary>The mode a raw register value expresses.</summary>
    public FloatMode ModeOf(ulong value)
    {
        bool output = FlushOutputBits != 0 && (value & FlushOutputBits) == FlushOutputBits;
        bool input = FlushInputBits != 0 && (value & FlushInputBits) == FlushInputBits;
        return (output, input) switch
        {
            (true, true) => FloatMode.FlushToZeroAndDenormalsAreZero,
            (true, false) => FloatMode.FlushToZero,
            (false, true) => FloatMode.DenormalsAreZero,
            _ => FloatMode.Ieee,
        };
    }

    /// <summary>The calling thread's mode; <see cref="FloatMode.Ieee"/> when unavailable.</summary>
    public FloatMode CurrentMode => IsAvailable ? ModeOf(FloatControlNative.GetControl()) : FloatMode.Ieee;

    /// <summary>Sets the flush bits of <paramref name="mode"/> on this thread, keeping every other bit.</summary>
    public FloatEnvironmentScope Enter(FloatMode mode)
    {
        if (!Supports(mode))
        {
            ThrowNotSupported(mode);
        }

        if (!IsAvailable)
        {
            // Only Ieee gets here: without the shim the thread is assumed to be in its default, IEEE, state.
            return default;
        }

        ulong saved = FloatControlNative.GetControl();
        ulong wanted = (saved & ~AllFlushBits) | BitsOf(mode);
        if (wanted != saved)
        {
            FloatControlNative.SetControl(wanted);
        }

        return new FloatEnvironmentScope(saved);
    }

    private void ThrowNotSupported(FloatMode mode)
    {
        string reason = IsAvailable
            ? "ARM64 has one flush bit (FPCR.FZ) that flushes inputs and outputs together, so only Ieee and FlushToZeroAndDenormalsAreZero can be set"
            : Description;
        throw new NotSupportedException(
            $"Float mode {mode} cannot be set on this thread: {reason}. Use FloatEnvironment.Supports to check first, or the software flush (SoftwareFlush) for element-wise work.");
    }

    private static void ValidateMode(FloatMode mode)
    {
        if ((uint)mode > (uint)FloatMode.FlushToZeroAndDenormalsAreZero)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown float mode.");
        }
    }
}
