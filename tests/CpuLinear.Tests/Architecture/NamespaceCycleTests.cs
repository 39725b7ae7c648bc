using System.Reflection;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Architecture;

/// <summary>
/// The rooms of the code depend one way: no namespace of the libraries or the CLI uses, directly or through
/// others, a namespace that uses it back. Read from the compiled assemblies, so a fully qualified name counts as
/// much as a using directive.
/// </summary>
public sealed class NamespaceCycleTests
{
    public static TheoryData<string> Assemblies => new() { "CpuLinear", "CpuLinear.Cli", "CpuLinear.Cluster" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NamespacesHaveNoCycles(string name)
    {
        Assembly assembly = Assembly.Load(name);
        IReadOnlyDictionary<string, SortedSet<string>> graph = NamespaceDependencies.Read(assembly, "CpuLinear");
        IReadOnlyList<IReadOnlyList<string>> cycles = NamespaceDependencies.Cycles(graph);
        string report = string.Join(Environment.NewLine, cycles.Select(c =>
            string.Join(", ", c) + ":" + Environment.NewLine + string.Join(Environment.NewLine,
                c.SelectMany(from => graph[from].Where(c.Contains).Select(to => $"  {from} -> {to}")))));
        Assert.True(cycles.Count == 0, $"{name} has namespace cycles:{Environment.NewLine}{report}");
    }

    [Fact]
    public void TheReaderSeesUsesInMethodBodies()
    {
        // FusedExecutor calls Gemm only inside method bodies; the reader must see that edge or it would miss cycles.
        IReadOnlyDictionary<string, SortedSet<string>> graph = NamespaceDependencies.Read(typeof(FusedExecutor).Assembly, "CpuLinear");
        Assert.Contains("CpuLinear.Kernels", graph["CpuLinear.Networks"]);
        Assert.DoesNotContain("CpuLinear.Networks", graph["CpuLinear.Kernels"]);
    }

    [Fact]
    public void CyclesAreFoundThroughLongerPaths()
    {
        var graph = new Dictionary<string, SortedSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A", "D"],
            ["D"] = [],
            ["E"] = ["D"],
        };
        IReadOnlyList<IReadOnlyList<string>> cycles = NamespaceDependencies.Cycles(graph);
        Assert.Equal(["A", "B", "C"], Assert.Single(cycles));
    }
}
