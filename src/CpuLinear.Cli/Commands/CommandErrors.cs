using CpuLinear.Backends;
using CpuLinear.Data;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// Expected failures (missing data, bad checkpoint files, bad option values, semantics with no executor,
/// a missing GPU, a problem too large for the device)
/// become one clear line on stderr and exit code 1; a stack trace would bury the message.
/// </summary>
internal static class CommandErrors
{
    public static int Run(TextWriter? errors, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception ex) when (ex is DatasetUnavailableException or IOException or ArgumentException or UnauthorizedAccessException or NotSupportedException or DeviceMemoryExceededException)
        {
            (errors ?? Console.Error).WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}
