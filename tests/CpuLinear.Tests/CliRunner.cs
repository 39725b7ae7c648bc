using System.CommandLine;
using CpuLinear.Cli.Commands;
using Spectre.Console;

namespace CpuLinear.Tests;

/// <summary>
/// Runs CLI commands in-process against a plain, wide, non-interactive console, capturing what they print
/// and what they report as errors.
/// </summary>
internal static class CliRunner
{
    public static (int Exit, string Output, string Errors) Run(
        IEnumerable<Func<IAnsiConsole, TextWriter, Command>> commands, params string[] args)
    {
        var output = new StringWriter();
        IAnsiConsole console = PlainConsole(output);
        var errors = new StringWriter();
        var root = new RootCommand("test");
        foreach (Func<IAnsiConsole, TextWriter, Command> create in commands)
        {
            root.Subcommands.Add(create(console, errors));
        }

        int exit = CommandErrors.Invoke(root.Parse(args));
        return (exit, output.ToString(), errors.ToString());
    }

    /// <summary>A console without colour, markup codes or interaction that writes to <paramref name="output"/>.</summary>
    public static IAnsiConsole PlainConsole(TextWriter output)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        // Not a terminal: the width the program gives redirected output, so no cell wraps mid-phrase.
        return ConsoleSetup.Configure(console, redirected: true);
    }
}
