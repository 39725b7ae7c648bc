using System.Reflection;
using CpuLinear.Experiments;

namespace CpuLinear.Tests.Architecture;

/// <summary>
/// The experiments sit on top of the library: they use the networks, evolution, kernels and randomness, and nothing
/// in the library uses them (only the CLI's experiment commands do).
/// </summary>
public sealed class ExperimentsDependencyTests
{
    [Fact]
    public void No_library_namespace_uses_the_experiments()
    {
        Assembly library = typeof(BottleneckExperiment).Assembly;
        IReadOnlyDictionary<string, SortedSet<string>> graph = NamespaceDependencies.Read(library, "CpuLinear");
        string[] users = [.. graph.Where(e => e.Key != "CpuLinear.Experiments" && e.Value.Contains("CpuLinear.Experiments")).Select(e => e.Key)];
        Assert.True(users.Length == 0, $"{string.Join(", ", users)} use CpuLinear.Experiments");
        // The reader sees the experiments' own edges, so an empty list above is a real finding.
        Assert.Contains("CpuLinear.Networks", graph["CpuLinear.Experiments"]);
        Assert.Contains("CpuLinear.Evolution", graph["CpuLinear.Experiments"]);
    }
}
