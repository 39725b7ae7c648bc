using System.Diagnostics;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Populations;
using CpuLinear.Training;

namespace CpuLinear.Cluster;

/// <summary>
/// One silo's replica of an ES run: θ, Adam's state and the generation, built from the coordinator's checkpoint
/// exactly as the coordinator's trainer was, and advanced with the fitness vectors the coordinator sends, so its
/// θ has the same bits as everyone's. It evaluates ranges of members with the CPU engine on the silo's cores.
/// </summary>
internal sealed class SiloReplica(WorkerOptions options, IWorkerFaults? faults = null)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LabeledImages> _data = new(StringComparer.Ordinal);
    private readonly MessageAuthenticator _authenticator = new(options.Secret);
    private readonly Minibatch _batch = new();
    private string _runId = "";
    private EvolutionTrainer? _trainer;
    private LabeledImages? _train;
    private EvolutionMinibatches? _minibatches;
    private long _batchGeneration = -1;

    public WorkerDescription Describe() => new()
    {
        Cores = options.Cores > 0 ? options.Cores : Math.Max(1, options.Engine.MaxThreads),
        Machine = Environment.MachineName,
    };

    public string? Sync(ReplicaSync sync)
    {
        if (!_authenticator.Verify(sync))
        {
            return Reject($"a replica of run {sync?.RunId} was refused: its MAC does not match the cluster's secret");
        }

        Checkpoint checkpoint = SafetensorsCheckpoint.Parse($"run {sync.RunId}", sync.Checkpoint);
        LabeledImages train = Data(sync.Dataset);
        lock (_lock)
        {
            _trainer = EvolutionCheckpoint.Resume(checkpoint, options.Engine, new CpuPopulationEvaluator(options.Engine));
            _train = train;
            _minibatches = new EvolutionMinibatches(_trainer.Settings.BatchSize, _trainer.Settings.Seed);
            _batchGeneration = -1;
            _runId = sync.RunId;
            options.Log?.WriteLine($"replica of run {sync.RunId} at generation {_trainer.Generation} ({sync.Checkpoint.Length:N0} bytes)");
        }

        return null;
    }

    public WorkReply Evaluate(WorkOrder order)
    {
        var clock = Stopwatch.StartNew();
        if (!_authenticator.Verify(order))
        {
            return Reply(order, WorkStatus.Rejected, [], 0, clock, Reject($"an order for run {order?.RunId} generation {order?.Generation} was refused: its MAC does not match the cluster's secret"));
        }

        lock (_lock)
        {
            EvolutionTrainer? trainer = _trainer;
            long g = order.Generation;
            if (trainer is null || _runId != order.RunId)
            {
                return Reply(order, WorkStatus.NeedsState, [], 0, clock, "no replica of this run");
            }

            if (trainer.Generation == g - 1 && order.PreviousFitness is { } previous)
            {
                try
                {
                    trainer.Tell(previous);
                }
                catch (ArgumentException e)
                {
                    return Reply(order, WorkStatus.Rejected, [], 0, clock, Reject($"generation {g - 1}'s fitness vector was refused: {e.Message}"));
                }
            }

            if (trainer.Generation != g)
            {
                return Reply(order, WorkStatus.NeedsState, [], 0, clock, $"the replica is at generation {trainer.Generation}");
            }

            ulong hash = ThetaHash.Of(trainer.Parameters.Values);
            if (hash != order.ThetaHash)
            {
                return Reply(order, WorkStatus.Diverged, [], hash, clock,
                    $"θ at generation {g} hashes to {hash:x16} here and to {order.ThetaHash:x16} on the coordinator");
            }

            if (order.FirstPair < 0 || order.PairCount < 1 || order.FirstPair > trainer.Settings.PopulationPairs - order.PairCount)
            {
                return Reply(order, WorkStatus.Rejected, [], hash, clock, Reject($"pairs [{order.FirstPair}, {order.FirstPair + order.PairCount}) are outside the run's {trainer.Settings.PopulationPairs}"));
            }

            GenerationRequest request = trainer.Strategy.Ask();
            if (_batchGeneration != g)
            {
                _minibatches!.Gather(_train!, g, _batch);
                _batchGeneration = g;
            }

            double[] fitness = new double[2 * order.PairCount];
            trainer.Evaluator.Evaluate(trainer.Parameters, request, _batch, order.FirstPair, order.PairCount, fitness);
            faults?.AfterEvaluate(order, fitness, trainer.Parameters.Values);
            return Reply(order, WorkStatus.Done, fitness, hash, clock, null);
        }
    }

    private WorkReply Reply(WorkOrder order, WorkStatus status, double[] fitness, ulong hash, Stopwatch clock, string? message) =>
        _authenticator.Sign(new WorkReply
        {
            RunId = order?.RunId ?? "",
            Generation = order?.Generation ?? -1,
            FirstPair = order?.FirstPair ?? 0,
            PairCount = order?.PairCount ?? 0,
            Status = status,
            Fitness = fitness,
            ThetaHash = hash,
            ComputeSeconds = clock.Elapsed.TotalSeconds,
            Message = message,
        });

    private string Reject(string message)
    {
        options.Log?.WriteLine("rejected: " + message);
        return message;
    }

    private LabeledImages Data(string name)
    {
        lock (_data)
        {
            if (!_data.TryGetValue(name, out LabeledImages? data))
            {
                if (options.LoadTrainingData is { } load)
                {
                    data = load(name);
                }
                else
                {
                    // The splits are kept for the silo's lifetime: replicas of later runs reuse them.
                    DatasetSplits splits = Datasets.Load(name, new DatasetLoadOptions { Log = TextWriter.Null });
                    data = splits.Train;
                }

                _data[name] = data;
            }

            return data;
        }
    }
}
