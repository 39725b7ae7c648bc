using System.CommandLine;
using System.Globalization;
using CpuLinear.Backends;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Cli.Options;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Experiments;
using CpuLinear.Gpu;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary><c>cpulinear train --method es</c>: ES on a dataset's network (default: the blog's, on MNIST), resumable.</summary>
internal static class EvolutionTrainCommand
{
    /// <summary>The options that choose the data and shape the network, and whether to measure the linear ceiling.</summary>
    public sealed record Network(Option<string?> Dataset, Option<string?> Hidden, Option<int> ScaleExponent, bool Ceiling);

    public static void Run(
        IAnsiConsole console, ParseResult parse, EvolutionOptions options, ulong seed, EngineSettings engine, string outDir, string? dataDir, int? limit, TextWriter log,
        bool overwrite, Network network)
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

        string? resume = parse.GetValue(options.Resume);
        if (resume is not null && overwrite)
        {
            throw new ArgumentException("--resume continues a run and --overwrite replaces one: give one of them.");
        }

        float initScale = parse.GetValue(options.InitScale);
        if (!(float.IsFinite(initScale) && initScale > 0))
        {
            throw new ArgumentException($"--init-scale must be a positive finite factor; got {initScale.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (parse.GetValue(options.Init) is not null)
        {
            SharedOptions.RejectIgnored(parse, "train --method es --init (the checkpoint is the start)", [options.InitScale]);
        }

        // A resumed run continues on its own data with its own network: the checkpoint says which.
        Checkpoint? saved = null;
        string dataset;
        if (resume is not null)
        {
            SharedOptions.RejectIgnored(parse, "train --method es --resume (the checkpoint fixes the network)", [network.Hidden, network.ScaleExponent, options.InitScale]);
            saved = CheckpointFiles.Read(resume, log);
            string? recorded = DatasetChoice.Recorded(saved, resume);
            dataset = DatasetChoice.Name(parse, network.Dataset, recorded);
            if (recorded is not null && dataset != recorded)
            {
                throw new ArgumentException($"--dataset {dataset}: '{resume}' was trained on {recorded}, and a resumed run continues on its own data; drop --dataset.");
            }
        }
        else
        {
            dataset = DatasetChoice.Name(parse, network.Dataset);
        }

        using ClusterConnection? cluster = gateways is null
            ? null
            : ClusterConnection.Open(gateways, parse.GetValue(options.ClusterId)!, SharedOptions.Secret(parse, options.ClusterSecret), dataset, engine, log);
        // --backend gpu|ilgpu-cpu keeps the whole generation on the device (DeviceEvolutionSession); cpu and a cluster
        // drive the host's EvolutionTrainer. Either way the backend exists before any data is read.
        BackendKind kind = cluster is null ? BackendKinds.Parse(parse.GetValue(options.Backend)!) : BackendKind.Cpu;
        using IlgpuBackend? device = kind == BackendKind.Cpu ? null : (IlgpuBackend)ComputeBackends.Create(kind, engine);
        string? linearizedName = parse.GetValue(options.LinearizedFitness);
        GradientMode? linearized = linearizedName is null
            ? null
            : CheckpointNames.ParseGradient(linearizedName) ?? throw new ArgumentException($"--linearized-fitness takes ftz-aware, straight-through or pure-linear; got '{linearizedName}'.");
        if (linearized is not null && (cluster is not null || device is not null))
        {
            throw new ArgumentException("--linearized-fitness scores members on the CPU engine only; drop --cluster and --backend.");
        }

        using IPopulationEvaluator? local = cluster is null && device is null
            ? (linearized is { } mode ? new LinearizedPopulationEvaluator(mode, engine) : new CpuPopulationEvaluator(engine))
            : null;
        IPopulationEvaluator? backend = cluster?.Evaluator ?? local;
        // The network's inputs and classes come from the data, so it is loaded before the run claims its folder.
        using DatasetSplits data = DatasetChoice.Load(dataset, dataDir, log);
        IEvolutionRun trainer;
        string name = "es";
        double elapsedBefore = 0;
        if (saved is not null)
        {
            if (data.Train.Features != saved.Parameters.Architecture.Inputs || data.Train.ClassCount != saved.Parameters.Architecture.Outputs)
            {
                throw new ArgumentException(EvaluateCommand.Mismatch(resume!, saved.Parameters.Architecture, data));
            }

            bool activity = EvolutionCheckpoint.SettingsOf(saved).UsesActivityMembers;
            if (activity && (cluster is not null || device is not null || linearized is not null))
            {
                throw new ArgumentException($"'{resume}' is an activity-member run, which continues on the CPU engine only; drop --cluster, --backend and --linearized-fitness.");
            }

            trainer = activity ? EvolutionCheckpoint.ResumeRun(saved, engine)
                : device is null ? EvolutionCheckpoint.Resume(saved, engine, backend) : DeviceEvolutionSession.Resume(saved, device);
            elapsedBefore = EvolutionCheckpoint.ElapsedSecondsOf(saved);
            name = Path.GetFileNameWithoutExtension(resume!);
            outDir = Path.GetDirectoryName(Path.GetFullPath(resume!))!;
            console.MarkupLineInterpolated($"resuming [blue]{resume}[/] at generation {trainer.Generation}/{trainer.Settings.Generations}");
        }
        else
        {
            EvolutionSettings settings = options.Read(parse, seed, DatasetDefaults.For(dataset).Evolution);
            (IReadOnlyList<int> hidden, int scale) = DatasetChoice.Shape(parse, network.Hidden, network.ScaleExponent, dataset);
            NetworkArchitecture net = DatasetChoice.Network(data, hidden, scale);
            string? init = parse.GetValue(options.Init);
            NetworkParameters parameters = init is null
                ? NetworkParameters.Initialize(net, seed, initScale)
                : CheckpointFiles.Read(init, log).Parameters;
            if (parameters.Architecture != net)
            {
                throw new ArgumentException(net == NetworkArchitecture.Default
                    ? $"--init must hold the blog's network {NetworkArchitecture.Default}; {init} holds {parameters.Architecture}."
                    : $"--init must hold the network {net} that {dataset} and --hidden/--scale-exponent give; {init} holds {parameters.Architecture}.");
            }

            if (settings.UsesActivityMembers && (cluster is not null || device is not null || linearized is not null))
            {
                throw new ArgumentException("--activity-pairs runs on the CPU engine only; drop --cluster, --backend and --linearized-fitness.");
            }

            trainer = settings.UsesActivityMembers ? new ActivityEvolutionRun(parameters, settings, engine)
                : device is null ? new EvolutionTrainer(parameters, settings, engine, backend) : new DeviceEvolutionSession(device, parameters, settings);
            name = settings.UsesActivityMembers ? (init is null ? "es-activity" : "es-activity-from-init") : linearized is { } gradient ? $"es-linearized-{CheckpointNames.Of(gradient)}" : init is null ? "es" : "es-from-init";
        }

        // Declared after the backend, so the session releases its buffers before the backend goes.
        using IDisposable? session = trainer as IDisposable;
        if (trainer is EvolutionTrainer hostTrainer)
        {
            ClusterConnection.AttachIfCluster(hostTrainer);
        }

        EvolutionSettings s = trainer.Settings;
        if (s.UsesActivityMembers)
        {
            console.MarkupLineInterpolated($"[bold]{name}[/]: {trainer.Parameters.Architecture} on {dataset}, ES with activity members: {s.ActivityPairs} pairs per row and layer ({EvolutionCheckpoint.ActivityUnitNames[(int)s.ActivityUnits]} units), batch {s.BatchSize}, {s.Generations} generations, σ {s.SigmaInitial}→{s.SigmaFinal} on the products, lr {s.LearningRateInitial}→{s.LearningRateFinal}, λ {s.WeightDecay}, {EvolutionCheckpoint.OptimizerNames[(int)s.Optimizer]}, seed {s.Seed}");
        }
        else
        {
            console.MarkupLineInterpolated($"[bold]{name}[/]: {trainer.Parameters.Architecture} on {dataset}, OpenAI-ES, {2 * s.PopulationPairs} members, batch {s.BatchSize}, {s.Generations} generations, rank {(s.Rank == 0 ? "full" : s.Rank.ToString(CultureInfo.InvariantCulture))}{(s.FirstLayerUnits > 0 ? $", {s.FirstLayerUnits} first-layer units per pair" : "")}{(s.LaterLayerPairs > 0 ? $", {s.LaterLayerPairs} later-layer pairs" : "")}, σ {s.SigmaInitial}→{s.SigmaFinal}{(s.HasSigmaLayerScales ? $" × ({s.SigmaLayerScales}) per layer" : "")}, lr {s.LearningRateInitial}→{s.LearningRateFinal}, λ {s.WeightDecay}{(s.FixedWeightRms ? ", hidden weights held at their initial RMS" : "")}, seed {s.Seed}; population on {trainer.Description}");
        }

        double? minutes = parse.GetValue(options.TimeLimit);
        var sessionOptions = new EvolutionSessionOptions(
            name, outDir, parse.GetValue(options.Metrics) ?? Path.Combine(outDir, name + ".metrics.jsonl"),
            TimeLimit: minutes is { } m ? TimeSpan.FromMinutes(m) : null, EvaluationLimit: limit)
        {
            Status = cluster is null ? null : cluster.Status,
            Dataset = dataset,
        }.For(s);
        if (resume is null)
        {
            // A new run never replaces an earlier run's checkpoint nor appends to its metrics (--resume continues it).
            RunOutputs.Claim(outDir, [sessionOptions.CheckpointPath, sessionOptions.MetricsPath!], overwrite, resume: sessionOptions.CheckpointPath, log);
        }

        EvolutionSessionResult result = EvolutionSession.Run(console, data, trainer, sessionOptions, [0.925, 0.95, 0.967], elapsedBefore);

        IForwardExecutor literal = EvaluationExecutors.Reference(FloatSemantics.FtzElementwise, engine);
        IForwardExecutor ieee = EvaluationExecutors.Reference(FloatSemantics.Ieee, engine);
        // --limit caps the final literal evaluation (quick runs and tests); ES itself samples the whole train split.
        EvaluationResult train = Evaluation.Run(literal, trainer.Parameters, data.Train, limit);
        EvaluationResult test = Evaluation.Run(literal, trainer.Parameters, data.Test, limit);
        EvaluationResult ieeeTest = Evaluation.Run(ieee, trainer.Parameters, data.Test, limit);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} (literal) after generation {trainer.Generation}: ftz-elementwise train {train.Accuracy:P2} test {test.Accuracy:P2}; ieee test {ieeeTest.Accuracy:P2}; {result.Seconds:F0} s").Replace("\u00A0", " ", StringComparison.Ordinal));
        console.MarkupLineInterpolated($"checkpoint: [blue]{result.CheckpointPath}[/]");
        if (network.Ceiling)
        {
            console.WriteLine(LinearCeilingReport.Measure(data, trainer.Settings.Seed, engine, limit).Line());
        }
    }
}
