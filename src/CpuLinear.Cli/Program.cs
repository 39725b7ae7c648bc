using System.CommandLine;
using CpuLinear.Cli.Commands;

var root = new RootCommand("CpuLinear");
root.Subcommands.Add(DataCommand.Create());
return root.Parse(args).Invoke();
