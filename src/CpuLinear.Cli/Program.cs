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
};
return root.Parse(args).Invoke();
