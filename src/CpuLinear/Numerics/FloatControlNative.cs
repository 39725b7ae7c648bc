using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CpuLinear.Numerics;

/// <summary>
/// The native shim <c>cpulinear_native</c> (src/CpuLinear.Native): the library name, where it is looked for,
/// and its four exports. The calls are a few instructions that never block or call back, hence
/// <see cref="SuppressGCTransitionAttribute"/>: the GC transition would cost more than the call.
/// </summary>
internal static partial class FloatControlNative
{
    /// <summary>The one place the library name is spelled.</summary>
    internal const string LibraryName = "cpulinear_native";

    /// <summary>Setting this variable to 1 (or true) makes the engine act as if the shim were absent.</summary>
    internal const string DisableVariable = "CPULINEAR_NO_NATIVE";

    private static nint s_handle;

    // The resolver must be in place before the first call into the library; a static constructor (not
    // beforefieldinit) runs before any static member of this class is touched, the imports included.
    static FloatControlNative() =>
        NativeLibrary.SetDllImportResolver(typeof(FloatControlNative).Assembly, Resolve);

    // Callers use these wrappers, never the imports. A [SuppressGCTransition] import is bound to its native
    // target when the method calling it is compiled, not when the call runs; were an import inlined into, say,
    // FloatEnvironmentScope.Dispose, merely compiling that method without the shim would throw
    // DllNotFoundException. Behind a non-inlined wrapper, binding happens only on a real call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong GetControl() => GetControlImport();

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void SetControl(ulong value) => SetControlImport(value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong FlushOutputBits() => FlushOutputBitsImport();

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong FlushInputBits() => FlushInputBitsImport();

    [LibraryImport(LibraryName, EntryPoint = "cpulinear_get_control")]
    [SuppressGCTransition]
    private static partial ulong GetControlImport();

    [LibraryImport(LibraryName, EntryPoint = "cpulinear_set_control")]
    [SuppressGCTransition]
    private static partial void SetControlImport(ulong value);

    [LibraryImport(LibraryName, EntryPoint = "cpulinear_flush_output_bits")]
    [SuppressGCTransition]
    private static partial ulong FlushOutputBitsImport();

    [LibraryImport(LibraryName, EntryPoint = "cpulinear_flush_input_bits")]
    [SuppressGCTransition]
    private static partial ulong FlushInputBitsImport();

    /// <summary>The platform file name the build gives the shim.</summary>
    internal static string FileName =>
        OperatingSystem.IsWindows() ? LibraryName + ".dll"
        : OperatingSystem.IsMacOS() ? "lib" + LibraryName + ".dylib"
        : "lib" + LibraryName + ".so";

    /// <summary>The portable RID folder the build copies the shim into (linux-x64, osx-arm64, win-x64, ...).</summary>
    internal static string RuntimeIdentifier
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return os + "-" + arch;
        }
    }

    /// <summary>
    /// Where the shim may be: the app's runtimes/&lt;rid&gt;/native folder (where the build puts it), then next to
    /// the app, then the same two places relative to this assembly (they differ when CpuLinear is loaded from
    /// elsewhere, e.g. a plugin folder). Single-file apps have no assembly location, hence the check.
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (single-file) is skipped; AppContext.BaseDirectory is probed first anyway.")]
    internal static IReadOnlyList<string> CandidatePaths()
    {
        var roots = new List<string> { AppContext.BaseDirectory };
        string location = typeof(FloatControlNative).Assembly.Location;
        if (location.Length > 0 && Path.GetDirectoryName(location) is { Length: > 0 } dir)
        {
            roots.Add(dir);
        }

        var paths = new List<string>();
        foreach (string root in roots)
        {
            foreach (string path in new[]
            {
                Path.Combine(root, "runtimes", RuntimeIdentifier, "native", FileName),
                Path.Combine(root, FileName),
            })
            {
                string full = Path.GetFullPath(path);
                if (!paths.Contains(full))
                {
                    paths.Add(full);
                }
            }
        }

        return paths;
    }

    /// <summary>Loads the shim once; on failure <paramref name="failure"/> says what was tried.</summary>
    internal static bool TryLoad(out string loadedFrom, out string failure)
    {
        foreach (string path in CandidatePaths())
        {
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out nint handle))
            {
                s_handle = handle;
                loadedFrom = path;
                failure = "";
                return true;
            }
        }

        loadedFrom = "";
        failure = $"{FileName} not found in {string.Join(", ", CandidatePaths())} (was a C compiler available at build time?)";
        return false;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? s_handle : 0;
}
