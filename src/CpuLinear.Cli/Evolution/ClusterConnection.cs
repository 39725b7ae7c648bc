using System.Globalization;
using CpuLinear.Cluster;
using CpuLinear.Training;
using Microsoft.Extensions.Hosting;

namespace CpuLinear.Cli.Evolution;

/// <summary>The coordinator's side of <c>--cluster</c>: an Orleans client of the workers and the evaluator on it.</summary>
internal sealed class ClusterConnection : IDisposable
{
    private readonly IHost _host;
    private readonly TextWriter _log;
    private long _lastSeen = -1, _generations, _bytes, _silos;
    private double _wall, _wait;

    private ClusterConnection(IHost host, ClusterPopulationEvaluator evaluator, TextWriter log)
    {
        _host = host;
        _log = log;
        Evaluator = evaluator;
    }

    public ClusterPopulationEvaluator Evaluator { get; }

    /// <summary>Connects to the workers whose gateways <paramref name="gateways"/> names (host:port, comma-separated).</summary>
    public static ClusterConnection Open(string gateways, string clusterId, string secret, string dataset, EngineSettings engine, TextWriter log)
    {
        var endpoints = gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ClusterHosting.ParseEndpoint).ToList();
        IHost host = ClusterHosting.BuildCoordinator(endpoints, clusterId);
        host.Start();
        var evaluator = new ClusterPopulationEvaluator(
            (Orleans.IClusterClient)host.Services.GetService(typeof(Orleans.IClusterClient))!,
            new ClusterEvaluatorOptions { Dataset = dataset, Secret = secret, Engine = engine, Log = log });
        return new ClusterConnection(host, evaluator, log);
    }

    /// <summary>Progress text: silos, members/s per silo, fitness traffic and coordination latency of the last generation.</summary>
    public string Status()
    {
        if (Evaluator.LastReport is not { } r)
        {
            return "";
        }

        if (r.Generation != _lastSeen)
        {
            _lastSeen = r.Generation;
            _generations++;
            _wall += r.WallSeconds;
            _wait += r.WaitSeconds;
            _bytes += r.BytesSent + r.BytesReceived - r.SyncBytes;
            _silos += r.Silos.Count;
        }

        string silos = string.Join(" ", r.Silos.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Machine}/{s.Cores}c:{s.MembersPerSecond:F0}/s")));
        return string.Create(CultureInfo.InvariantCulture,
            $" | {r.Silos.Count} silos {silos} | {(r.BytesSent + r.BytesReceived) / 1024.0:F1} KiB/gen, wait {r.WaitSeconds * 1000:F0} ms{(r.Reassigned > 0 ? $", {r.Reassigned} pairs reassigned" : "")}");
    }

    /// <summary>Attaches the trainer when the evaluator is a cluster's.</summary>
    public static void AttachIfCluster(EvolutionTrainer trainer)
    {
        if (trainer.Evaluator is ClusterPopulationEvaluator cluster)
        {
            cluster.Attach(trainer);
        }
    }

    public void Dispose()
    {
        if (_generations > 0)
        {
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cluster: {_generations} generations, {_generations / _wall:F3} generations/s on the cluster, coordination latency {_wait / _generations * 1000:F1} ms/generation, fitness traffic {(double)_bytes / _silos:F0} bytes per silo per generation (orders + replies; replicas not counted)"));
        }

        Evaluator.Dispose();
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }
}
