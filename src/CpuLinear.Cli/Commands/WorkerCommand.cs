using System.CommandLine;
using System.Net;
using CpuLinear.Cli.Options;
using CpuLinear.Cluster;
using CpuLinear.Data;
using Microsoft.Extensions.Hosting;

namespace CpuLinear.Cli.Commands;

/// <summary><c>cpulinear worker</c>: a silo that joins an ES cluster and evaluates its share of every generation.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "Address to listen on and advertise (default loopback: only this machine can reach it).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Silo-to-silo port.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port coordinators connect to (train --cluster host:this-port).", DefaultValueFactory = _ => 30000 };
        var primary = new Option<string?>("--primary") { Description = "The primary worker's silo endpoint host:port (it holds the membership); omit on the primary itself." };
        var cores = new Option<int>("--cores") { Description = "Weight of this worker's share of each generation (default: --threads)." };
        Option<int> threads = SharedOptions.Threads();
        Option<string?> dataDir = SharedOptions.DataDirectory();
        Option<string> clusterId = SharedOptions.ClusterId();
        Option<string?> secret = SharedOptions.ClusterSecret();
        var command = new Command("worker", "Join an ES cluster as a worker silo: hold a replica of the run and evaluate ranges of members on this machine's cores.");
        foreach (Option option in new Option[] { listen, port, gatewayPort, primary, cores, threads, dataDir, clusterId, secret })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            EngineSettings engine = SharedOptions.Engine(parse, threads);
            string? data = parse.GetValue(dataDir);
            var options = new WorkerHostOptions
            {
                Listen = IPAddress.Parse(parse.GetValue(listen)!),
                SiloPort = parse.GetValue(port),
                GatewayPort = parse.GetValue(gatewayPort),
                Primary = parse.GetValue(primary) is { } p ? ClusterHosting.ParseEndpoint(p) : null,
                ClusterId = parse.GetValue(clusterId)!,
                Worker = new WorkerOptions
                {
                    Engine = engine,
                    Cores = parse.GetValue(cores),
                    Secret = SharedOptions.Secret(parse, secret),
                    Log = Console.Out,
                    LoadTrainingData = name => Datasets.Load(name, new DatasetLoadOptions { DataDirectory = data, Log = Console.Error }).Train,
                },
            };
            using IHost host = ClusterHosting.BuildWorker(options);
            host.Start();
            Console.WriteLine($"worker listening on {options.Listen}:{options.SiloPort} (gateway {options.GatewayPort}), cluster '{options.ClusterId}', {engine.MaxThreads} threads");
            Console.Out.Flush();
            host.WaitForShutdown();
        });
        return command;
    }
}
