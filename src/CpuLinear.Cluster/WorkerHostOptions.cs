using System.Net;
using Microsoft.Extensions.Logging;

namespace CpuLinear.Cluster;

/// <summary>Where a worker silo listens and which cluster it joins.</summary>
public sealed class WorkerHostOptions
{
    /// <summary>The address the silo listens on and advertises; loopback unless the user says otherwise.</summary>
    public IPAddress Listen { get; init; } = IPAddress.Loopback;

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>The port coordinators connect to.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The primary silo's silo endpoint (it holds the cluster's membership); null: this silo is the primary.</summary>
    public IPEndPoint? Primary { get; init; }

    /// <summary>The cluster id: silos and coordinators of another id do not connect.</summary>
    public string ClusterId { get; init; } = "cpulinear";

    /// <summary>How the worker evaluates.</summary>
    public WorkerOptions Worker { get; init; } = new();

    /// <summary>The lowest level Orleans logs at.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
}
