using System.CommandLine;
var root = new RootCommand("CpuLinear");
return root.Parse(args).Invoke();
