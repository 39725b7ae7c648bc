using System.Runtime.InteropServices;

namespace CpuLinear.Data;

/// <summary>Where downloaded datasets live.</summary>
public static class DataDirectories
{
    /// <summary>Environment variable that overrides the default cache root.</summary>
    public const string EnvironmentVariable = "CPULINEAR_DATA";

    /// <summary>
    /// The cache root: <paramref name="overrideDirectory"/> (from --data-dir) if given, else
    /// $CPULINEAR_DATA, else the platform's user cache folder plus "cpulinear":
    /// $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
    /// </summary>
    public static string ResolveCacheRoot(string? overrideDirectory = null) =>
        ResolveCacheRoot(overrideDirectory, Environment.GetEnvironmentVariable, CurrentPlatform());

    internal static string ResolveCacheRoot(string? overrideDirectory, Func<string, string?> environment, OSPlatform platform)
    {
        if (!string.IsNullOrWhiteSpace(overrideDirectory))
        {
            return Path.GetFullPath(overrideDirectory);
        }

        string? fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        if (platform == OSPlatform.Windows)
        {
            string local = environment("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return Path.Combine(local, "cpulinear");
        }

        string home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (platform == OSPlatform.OSX)
        {
            return Path.Combine(home, "Library", "Caches", "cpulinear");
        }

        // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        string? xdg = environment("XDG_CACHE_HOME");
        return !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? Path.Combine(xdg, "cpulinear")
            : Path.Combine(home, ".cache", "cpulinear");
    }

    private static OSPlatform CurrentPlatform() =>
        OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OSPlatform.Linux;
}
