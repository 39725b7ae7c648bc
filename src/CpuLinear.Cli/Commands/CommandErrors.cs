using System.CommandLine;
using CpuLinear.Backends;
using CpuLinear.Data;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// Expected failures become one clear line on stderr (a stack trace would bury the message) and an exit code
/// as command-line tools conventionally have them: 2 for a usage error (an unknown option or command, a value
/// that does not parse, a bad option value: every <see cref="ArgumentException"/> the commands throw), 1 for a
/// failure at run time (missing data, bad checkpoint files, a folder that cannot be written, a missing GPU, a
/// problem too large for the device, a run interrupted before it finished).
/// </summary>
internal static class CommandErrors
{
    /// <summary>Exit code of a failure at run time.</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a usage error.</summary>
    public const int Usage = 2;

    /// <summary>
    /// Invokes a parsed command line; parse errors (which System.CommandLine reports with exit code 1) exit
    /// with <see cref="Usage"/>.
    /// </summary>
    public static int Invoke(ParseResult parse)
    {
        int exit = parse.Invoke();
        return parse.Errors.Count > 0 ? Usage : exit;
    }

    public static int Run(TextWriter? errors, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (ArgumentException ex)
        {
            (errors ?? Console.Error).WriteLine($"error: {ex.Message}");
            return Usage;
        }
        catch (Exception ex) when (ex is DatasetUnavailableException or IOException or UnauthorizedAccessException or NotSupportedException or DeviceMemoryExceededException
            or OperationCanceledException)
        {
            (errors ?? Console.Error).WriteLine($"error: {ex.Message}");
            return Failure;
        }
    }
}
