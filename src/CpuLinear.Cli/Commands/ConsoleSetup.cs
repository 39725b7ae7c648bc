using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// When standard output is not a terminal (a CI log, a pipe into <c>tee</c>, a file), Spectre.Console assumes
/// 80 columns and breaks wider tables mid-word ("straight-t hrough"). There is no terminal to fit then, so
/// lines are given all the width they need instead.
/// </summary>
internal static class ConsoleSetup
{
    /// <summary>The width given to output that is not a terminal: wider than any table the commands print.</summary>
    public const int RedirectedWidth = 4096;

    /// <summary>Widens <paramref name="console"/> to <see cref="RedirectedWidth"/> when <paramref name="redirected"/>.</summary>
    public static IAnsiConsole Configure(IAnsiConsole console, bool redirected)
    {
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
