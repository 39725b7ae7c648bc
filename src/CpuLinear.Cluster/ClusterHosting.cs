using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace CpuLinear.Cluster;

/// <summary>Builds the silos (workers) and the coordinator's client of an ES cluster.</summary>
public static class ClusterHosting
{
    /// <summary>The Orleans service id every CpuLinear ES cluster uses.</summary>
    public const string ServiceId = "cpulinear-es";

    /// <summary>Makes the silo an ES worker: its replica, its grain and the placement that pins the grain to it.</summary>
    public static ISiloBuilder AddEvolutionWorker(this ISiloBuilder silo, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        silo.Services.AddSingleton(options);
        silo.Services.AddSingleton<SiloReplica>();
        silo.AddPlacementDirector<SiloPlacementStrategy, SiloPlacementDirector>();
        return silo;
    }

    /// <summary>
    /// A worker silo listening on <see cref="WorkerHostOptions.Listen"/> (loopback by default) that joins the cluster
    /// whose primary silo is <see cref="WorkerHostOptions.Primary"/> (none: it is the primary).
    /// </summary>
    public static IHost BuildWorker(WorkerHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        // Orleans' own log goes to standard error; standard output is the worker's (and the coordinator's) progress.
        builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(options.LogLevel);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(c =>
            {
                c.ClusterId = options.ClusterId;
                c.ServiceId = ServiceId;
            });
            silo.Configure<SiloOptions>(s => s.SiloName = $"cpulinear-worker-{options.SiloPort}");
            silo.ConfigureEndpoints(options.Listen, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            silo.UseDevelopmentClustering(options.Primary ?? new IPEndPoint(options.Listen, options.SiloPort));
            silo.Configure<MessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(5));
            silo.AddEvolutionWorker(options.Worker);
        });
        return builder.Build();
    }

    /// <summary>The coordinator's client of the cluster reached through <paramref name="gateways"/> (the silos' gateway endpoints).</summary>
    public static IHost BuildCoordinator(IReadOnlyList<IPEndPoint> gateways, string clusterId, LogLevel logLevel = LogLevel.Warning)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        if (gateways.Count == 0)
        {
            throw new ArgumentException("Name at least one silo's gateway endpoint.", nameof(gateways));
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(logLevel);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(c =>
            {
                c.ClusterId = clusterId;
                c.ServiceId = ServiceId;
            });
            client.Configure<ClientMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(5));
            client.UseStaticClustering([.. gateways]);
        });
        return builder.Build();
    }

    /// <summary>Parses <c>host:port</c> (IPv4, IPv6 in brackets, or a name resolved now).</summary>
    public static IPEndPoint ParseEndpoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IPEndPoint.TryParse(text, out IPEndPoint? endpoint) && endpoint.Port != 0)
        {
            return endpoint;
        }

        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out int port))
        {
            IPAddress address = Dns.GetHostAddresses(text[..colon]).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                ?? throw new ArgumentException($"'{text[..colon]}' does not resolve to an IPv4 address.", nameof(text));
            return new IPEndPoint(address, port);
        }

        throw new ArgumentException($"'{text}' is not host:port.", nameof(text));
    }
}
