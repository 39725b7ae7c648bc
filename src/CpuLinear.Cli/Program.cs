using System.CommandLine;
using CpuLinear.Cli.Commands;

var root = new RootCommand("CpuLinear");
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
return root.Parse(args).Invoke();
