using System.CommandLine;
using System.Globalization;
using CpuLinear.Backends;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Cli.Options;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Gpu;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary><c>cpulinear train --method es</c>: ES on MNIST with the blog's network, resumable.</summary>
internal static class EvolutionTrainCommand
{
    public static void Run(
        IAnsiConsole console, ParseResult parse, EvolutionOptions options, ulong seed, EngineSettings engine, string outDir, string? dataDir, int? limit, TextWriter log,
        bool overwrite = false)
    {
        string? gateways = parse.GetValue(options.Cluster);
        if (gateways is null)
        {
            SharedOptions.RejectIgnored(parse, "train --method es without --cluster", [options.ClusterId, options.ClusterSecret]);
        }
        else
        {
            SharedOptions.RejectIgnored(parse, "train --method es --cluster (the workers evaluate on their CPU engines)", [options.Backend]);
        }

        using ClusterConnection? cluster = gateways is null
            ? null
            : ClusterConnection.Open(gateways, parse.GetValue(options.ClusterId)!, SharedOptions.Secret(parse, options.ClusterSecret), "mnist", engine, log);
        // --backend gpu|ilgpu-cpu keeps the whole generation on the device (DeviceEvolutionSession); cpu and a cluster
        // drive the host's EvolutionTrainer. Either way the backend exists before any data is read.
        BackendKind kind = cluster is null ? BackendKinds.Parse(parse.GetValue(options.Backend)!) : BackendKind.Cpu;
        using IlgpuBackend? device = kind == BackendKind.Cpu ? null : (IlgpuBackend)ComputeBackends.Create(kind, engine);
        using IPopulationEvaluator? local = cluster is null && device is null ? new CpuPopulationEvaluator(engine) : null;
        IPopulationEvaluator? backend = cluster?.Evaluator ?? local;
        IEvolutionRun trainer;
        string? resume = parse.GetValue(options.Resume);
        if (resume is not null && overwrite)
        {
            throw new ArgumentException("--resume continues a run and --overwrite replaces one: give one of them.");
        }

        string name = "es";
        double elapsedBefore = 0;
        if (resume is not null)
        {
            Checkpoint saved = CheckpointFiles.Read(resume, log);
            trainer = device is null ? EvolutionCheckpoint.Resume(saved, engine, backend) : DeviceEvolutionSession.Resume(saved, device);
            elapsedBefore = EvolutionCheckpoint.ElapsedSecondsOf(saved);
            name = Path.GetFileNameWithoutExtension(resume);
            outDir = Path.GetDirectoryName(Path.GetFullPath(resume))!;
            console.MarkupLineInterpolated($"resuming [blue]{resume}[/] at generation {trainer.Generation}/{trainer.Settings.Generations}");
        }
        else
        {
            EvolutionSettings settings = options.Read(parse, seed);
            string? init = parse.GetValue(options.Init);
            NetworkParameters parameters = init is null
                ? NetworkParameters.Initialize(NetworkArchitecture.Default, seed)
                : CheckpointFiles.Read(init, log).Parameters;
            if (parameters.Architecture != NetworkArchitecture.Default)
            {
                throw new ArgumentException($"--init must hold the blog's network {NetworkArchitecture.Default}; {init} holds {parameters.Architecture}.");
            }

            trainer = device is null ? new EvolutionTrainer(parameters, settings, engine, backend) : new DeviceEvolutionSession(device, parameters, settings);
            name = init is null ? "es" : "es-from-init";
        }

        // Declared after the backend, so the session releases its buffers before the backend goes.
        using IDisposable? session = trainer as IDisposable;
        if (trainer is EvolutionTrainer hostTrainer)
        {
            ClusterConnection.AttachIfCluster(hostTrainer);
        }

        EvolutionSettings s = trainer.Settings;
        console.MarkupLineInterpolated($"[bold]{name}[/]: {NetworkArchitecture.Default}, OpenAI-ES, {2 * s.PopulationPairs} members, batch {s.BatchSize}, {s.Generations} generations, rank {(s.Rank == 0 ? "full" : s.Rank.ToString(CultureInfo.InvariantCulture))}{(s.FirstLayerUnits > 0 ? $", {s.FirstLayerUnits} first-layer units per pair" : "")}{(s.LaterLayerPairs > 0 ? $", {s.LaterLayerPairs} later-layer pairs" : "")}, σ {s.SigmaInitial}→{s.SigmaFinal}, lr {s.LearningRateInitial}→{s.LearningRateFinal}, λ {s.WeightDecay}{(s.FixedWeightRms ? ", hidden weights held at their initial RMS" : "")}, seed {s.Seed}; population on {trainer.Description}");
        double? minutes = parse.GetValue(options.TimeLimit);
        var sessionOptions = new EvolutionSessionOptions(
            name, outDir, parse.GetValue(options.Metrics) ?? Path.Combine(outDir, name + ".metrics.jsonl"),
            TimeLimit: minutes is { } m ? TimeSpan.FromMinutes(m) : null, EvaluationLimit: limit)
        {
            Status = cluster is null ? null : cluster.Status,
        };
        if (resume is null)
        {
            // A new run never replaces an earlier run's checkpoint nor appends to its metrics (--resume continues it).
            RunOutputs.Claim(outDir, [sessionOptions.CheckpointPath, sessionOptions.MetricsPath!], overwrite, resume: sessionOptions.CheckpointPath, log);
        }

        using DatasetSplits mnist = Datasets.Load("mnist", new DatasetLoadOptions { DataDirectory = dataDir, Log = log });
        EvolutionSessionResult result = EvolutionSession.Run(console, mnist, trainer, sessionOptions, [0.925, 0.95, 0.967], elapsedBefore);

        IForwardExecutor literal = EvaluationExecutors.Reference(FloatSemantics.FtzElementwise, engine);
        IForwardExecutor ieee = EvaluationExecutors.Reference(FloatSemantics.Ieee, engine);
        // --limit caps the final literal evaluation (quick runs and tests); ES itself samples the whole train split.
        EvaluationResult train = Evaluation.Run(literal, trainer.Parameters, mnist.Train, limit);
        EvaluationResult test = Evaluation.Run(literal, trainer.Parameters, mnist.Test, limit);
        EvaluationResult ieeeTest = Evaluation.Run(ieee, trainer.Parameters, mnist.Test, limit);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} (literal) after generation {trainer.Generation}: ftz-elementwise train {train.Accuracy:P2} test {test.Accuracy:P2}; ieee test {ieeeTest.Accuracy:P2}; {result.Seconds:F0} s").Replace("\u00A0", " ", StringComparison.Ordinal));
        console.MarkupLineInterpolated($"checkpoint: [blue]{result.CheckpointPath}[/]");
    }
}
