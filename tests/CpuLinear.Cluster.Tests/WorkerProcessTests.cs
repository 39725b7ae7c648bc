using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CpuLinear.Checkpoints;
using CpuLinear.Evolution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace CpuLinear.Cluster.Tests;

/// <summary>
/// Three <c>cpulinear worker</c> processes on loopback and a coordinator: a worker is killed mid-run and the final
/// checkpoint still equals the one-process run's, tensor for tensor.
/// </summary>
public sealed class WorkerProcessTests
{
    private const string Secret = "process-test-secret";

    [Fact]
    public async Task Three_worker_processes_with_one_killed_mid_run_end_with_the_one_process_checkpoint()
    {
        EvolutionSettings settings = ClusterRuns.Settings();
        var expected = ClusterRuns.OneProcess(settings);
        string clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        var ports = Enumerable.Range(0, 6).Select(_ => FreePort()).ToArray();
        var workers = new List<Process>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                workers.Add(StartWorker(ports[2 * i], ports[(2 * i) + 1], i == 0 ? null : $"127.0.0.1:{ports[0]}", clusterId));
            }

            using IHost coordinator = ClusterHosting.BuildCoordinator([.. Enumerable.Range(0, 3).Select(i => new IPEndPoint(IPAddress.Loopback, ports[(2 * i) + 1]))], clusterId);
            await coordinator.StartAsync();
            var client = coordinator.Services.GetRequiredService<IClusterClient>();
            await WaitForSilosAsync(client, 3);

            var log = new StringWriter();
            using var evaluator = new ClusterPopulationEvaluator(client, new ClusterEvaluatorOptions
            {
                Dataset = ClusterRuns.Dataset, Secret = Secret, Engine = ClusterRuns.OneThread, Log = TextWriter.Synchronized(log), Deadline = TimeSpan.FromSeconds(5),
            });
            evaluator.BeforeDispatch = g =>
            {
                if (g == 8)
                {
                    workers[2].Kill(entireProcessTree: true);
                    workers[2].WaitForExit();
                }

                return Task.CompletedTask;
            };
            var actual = ClusterRuns.Run(ClusterRuns.Trainer(settings, evaluator), evaluator);

            Checkpoint single = SafetensorsCheckpoint.Parse("one process", expected.Checkpoints[^1]);
            Checkpoint cluster = SafetensorsCheckpoint.Parse("cluster", actual.Checkpoints[^1]);
            Assert.Equal(single.Step, cluster.Step);
            Assert.True(single.Parameters.Values.AsSpan().SequenceEqual(cluster.Parameters.Values), "θ differs");
            Assert.True(single.AdamFirstMoment.AsSpan().SequenceEqual(cluster.AdamFirstMoment), "Adam's m differs");
            Assert.True(single.AdamSecondMoment.AsSpan().SequenceEqual(cluster.AdamSecondMoment), "Adam's v differs");
            Assert.True(expected.Checkpoints[^1].AsSpan().SequenceEqual(actual.Checkpoints[^1]), "the checkpoint files differ");
            Assert.Equal(3, actual.Reports[7].Silos.Count);
            // The killed worker never serves again. A healthy worker that misses the deadline on a loaded machine
            // is backed off for a while, so later generations may run on one silo: the bits above must not care.
            Assert.All(actual.Reports.Skip(9), r => Assert.True(r.Silos.Count is >= 1 and <= 2, log.ToString()));
            await coordinator.StopAsync();
        }
        finally
        {
            foreach (Process worker in workers)
            {
                if (!worker.HasExited)
                {
                    worker.Kill(entireProcessTree: true);
                    worker.WaitForExit();
                }

                worker.Dispose();
            }
        }
    }

    private static Process StartWorker(int port, int gatewayPort, string? primary, string clusterId)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["exec", cli, "worker", "--port", $"{port}", "--gateway-port", $"{gatewayPort}", "--threads", "1", "--cluster-id", clusterId, "--cluster-secret", Secret])
        {
            start.ArgumentList.Add(arg);
        }

        if (primary is not null)
        {
            start.ArgumentList.Add("--primary");
            start.ArgumentList.Add(primary);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        // Bounded: the worker says it listens once its silo has joined, or the test fails.
        var seen = new List<string>();
        for (int i = 0; i < 100; i++)
        {
            Task<string?> line = process.StandardOutput.ReadLineAsync();
            Assert.True(line.Wait(TimeSpan.FromSeconds(60)) && line.Result is not null, $"worker on port {port} did not start: {string.Join(Environment.NewLine, seen)}");
            seen.Add(line.Result!);
            if (line.Result!.StartsWith("worker listening", StringComparison.Ordinal))
            {
                break;
            }
        }

        // Keep draining what the worker prints, so it never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    private static async Task WaitForSilosAsync(IClusterClient client, int count)
    {
        for (int attempt = 0; attempt < 300; attempt++)
        {
            Dictionary<SiloAddress, SiloStatus> hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            if (hosts.Count == count)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the cluster never had {count} active silos");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
