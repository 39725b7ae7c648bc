using System.CommandLine;
using CpuLinear.Backends;

namespace CpuLinear.Cli.Options;

/// <summary>
/// The options several commands share, each defined once here (name, description, default, validation), so
/// <c>--threads</c> or <c>--backend</c> mean and check the same thing on every command.
/// </summary>
internal static class SharedOptions
{
    /// <summary><c>--threads</c>: worker threads; results never depend on it.</summary>
    public static Option<int> Threads() => new("--threads")
    {
        Description = "Worker threads (results do not depend on it).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    /// <summary>The engine settings <c>--threads</c> asks for.</summary>
    /// <exception cref="ArgumentException">The thread count is below 1 (a usage error).</exception>
    public static EngineSettings Engine(ParseResult parse, Option<int> threads)
    {
        int count = parse.GetValue(threads);
        return count >= 1
            ? new EngineSettings { MaxThreads = count }
            : throw new ArgumentException($"--threads must be at least 1; got {count}.");
    }

    /// <summary><c>--data-dir</c>: the dataset cache root.</summary>
    public static Option<string?> DataDirectory() => new("--data-dir")
    {
        Description = "Cache root for datasets (default: $CPULINEAR_DATA, else the user cache folder).",
    };

    /// <summary><c>--seed</c>, described for the command that takes it.</summary>
    public static Option<ulong> Seed(string description) => new("--seed") { Description = description, DefaultValueFactory = _ => 1 };

    /// <summary><c>--backend</c>: cpu, gpu or ilgpu-cpu, described for what runs there.</summary>
    public static Option<string> Backend(string what) => new("--backend")
    {
        Description = $"Where {what} runs: cpu (the engine), gpu (CUDA through ILGPU) or ilgpu-cpu (the GPU kernels on ILGPU's CPU accelerator). All give the same bits.",
        DefaultValueFactory = _ => BackendKind.Cpu.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Refuses options the chosen mode would ignore: a user who passes <c>--epochs</c> to an ES run should hear that it
    /// does nothing, not find out after an hour.
    /// </summary>
    /// <exception cref="ArgumentException">Some of <paramref name="ignored"/> were given explicitly (a usage error).</exception>
    public static void RejectIgnored(ParseResult parse, string mode, IEnumerable<Option> ignored)
    {
        string[] given = [.. ignored.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name)];
        if (given.Length > 0)
        {
            throw new ArgumentException($"{string.Join(", ", given)} {(given.Length == 1 ? "does" : "do")} not apply to {mode}; remove {(given.Length == 1 ? "it" : "them")}.");
        }
    }

    /// <summary><c>--cluster</c>: the gateway endpoints (host:port, comma-separated) of an ES cluster's silos.</summary>
    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Evaluate the ES population on the workers (cpulinear worker) reached at these gateway endpoints, host:port[,host:port...]; same bits as one process.",
    };

    /// <summary><c>--cluster-id</c>: silos and coordinators of another id do not connect.</summary>
    public static Option<string> ClusterId() => new("--cluster-id")
    {
        Description = "The cluster's id; workers and coordinators with another id do not connect.",
        DefaultValueFactory = _ => "cpulinear",
    };

    /// <summary><c>--cluster-secret</c>: the shared secret every cluster message is authenticated with.</summary>
    public static Option<string?> ClusterSecret() => new("--cluster-secret")
    {
        Description = "Shared secret of the cluster (HMAC of every message); default: $CPULINEAR_CLUSTER_SECRET, else empty (loopback only).",
    };

    /// <summary>The secret <c>--cluster-secret</c> or <c>$CPULINEAR_CLUSTER_SECRET</c> gives (empty when neither).</summary>
    public static string Secret(ParseResult parse, Option<string?> secret) =>
        parse.GetValue(secret) ?? Environment.GetEnvironmentVariable("CPULINEAR_CLUSTER_SECRET") ?? "";
}
