using System.CommandLine;
using CpuLinear.Cli.Commands;

// Each command lives in Commands/ and is added here with one line.
var root = new RootCommand("CpuLinear: the nonlinear computation of deep linear networks in float32, on the CPU")
{
    InfoCommand.Create(),
    DemoCommand.Create(),
    DataCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ReproduceCommand.Create(),
    WorkerCommand.Create(),
    CompareCommand.Create(),
    PlotRunsCommand.Create(),
    SweepCommand.Create(),
    ExperimentCommand.Create(),
};
// Usage errors exit 2 and failures at run time 1 (CommandErrors); wide tables when output is not a terminal.
ConsoleSetup.Configure(Spectre.Console.AnsiConsole.Console, Console.IsOutputRedirected);
return CommandErrors.Invoke(root.Parse(args));
