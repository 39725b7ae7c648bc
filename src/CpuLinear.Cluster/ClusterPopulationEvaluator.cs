using System.Diagnostics;
using CpuLinear.Checkpoints;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Serialization;

namespace CpuLinear.Cluster;

/// <summary>
/// Evaluates ES generations on the silos of an Orleans cluster (OpenAI-ES's shared-seed design): every silo holds a
/// replica of the run and receives only the previous generation's fitness vector, the hash of θ and a range of
/// pairs; it applies the same update as the coordinator, evaluates its range with the CPU engine and replies with
/// the range's fitnesses. The coordinator combines them by member index, never by arrival, so a run gives the same
/// bits as one process for any number of silos and any split.
/// </summary>
/// <remarks>
/// <para>
/// <b>Splits:</b> each generation's pairs are split among the active silos in proportion to their cores.
/// <b>Faults:</b> a silo that fails, misses the deadline (<see cref="ClusterEvaluatorOptions.Deadline"/>) or sends a
/// reply that is rejected (bad MAC, another run or generation, the wrong length, a NaN; each logged) has its range
/// evaluated again by the others; a failed silo is retried after a back-off, a stalled one once its call returns.
/// A silo without a replica (joining, restarted, lagging) gets the coordinator's checkpoint first.
/// <b>Divergence:</b> a silo whose θ does not hash to the coordinator's stops the run with
/// <see cref="ClusterDivergenceException"/>.
/// </para>
/// <para>Use it as the evaluator of an <see cref="EvolutionTrainer"/> and <see cref="Attach"/> that trainer.</para>
/// </remarks>
public sealed class ClusterPopulationEvaluator : IPopulationEvaluator
{
    private readonly IClusterClient _client;
    private readonly ClusterEvaluatorOptions _options;
    private readonly MessageAuthenticator _authenticator;
    private readonly Serializer _serializer;
    private readonly CpuPopulationEvaluator _centre;
    private readonly Dictionary<string, SiloState> _silos = new(StringComparer.Ordinal);
    private EvolutionTrainer? _trainer;
    private double[] _previous = [];
    private long _previousGeneration = -1;
    private double _lastSlowest;
    private ReplicaSync? _sync;
    private long _syncGeneration = -1;
    private string _runId;

    /// <summary>An evaluator on the silos <paramref name="client"/> reaches.</summary>
    public ClusterPopulationEvaluator(IClusterClient client, ClusterEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new ClusterEvaluatorOptions();
        _authenticator = new MessageAuthenticator(_options.Secret);
        _serializer = client.ServiceProvider.GetRequiredService<Serializer>();
        _centre = new CpuPopulationEvaluator(_options.Engine);
        _runId = _options.RunId;
    }

    /// <summary>The run's options.</summary>
    public ClusterEvaluatorOptions Options => _options;

    /// <inheritdoc />
    public string Description => $"an Orleans cluster ({_silos.Count} silos, {_silos.Values.Sum(s => s.Cores)} cores)";

    /// <summary>The last generation's report (silos, members/s, traffic, latency); null before the first.</summary>
    public ClusterGenerationReport? LastReport { get; private set; }

    /// <summary>Called with each generation before its orders go out (tests stop silos here).</summary>
    internal Func<long, Task>? BeforeDispatch { get; set; }

    /// <summary>
    /// The trainer this evaluator serves: its state (a checkpoint at the generation in flight) is what a silo
    /// without a replica receives.
    /// </summary>
    public void Attach(EvolutionTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        if (!ReferenceEquals(trainer.Evaluator, this))
        {
            throw new ArgumentException("The trainer evaluates its members elsewhere; pass this evaluator to its constructor.", nameof(trainer));
        }

        if (_trainer is not null && !ReferenceEquals(_trainer, trainer))
        {
            // Another run on the same cluster (reproduce's second ES run): a new run id, so every silo sees that its
            // replica belongs to the previous run and asks for this one's state, and nothing of the last run is reused.
            _runId = Guid.NewGuid().ToString("N");
            _previous = [];
            _previousGeneration = -1;
            _sync = null;
            _syncGeneration = -1;
        }

        _trainer = trainer;
    }

    /// <summary>The id of the run being served (a new one for every trainer attached after the first).</summary>
    public string RunId => _runId;

    /// <inheritdoc />
    public bool Supports(MemberKind kind) => kind is MemberKind.FullRank or MemberKind.LowRank or MemberKind.UnitSubset;

    /// <inheritdoc />
    public EvaluationResult? Evaluate(
        NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount, Span<double> fitness, bool scoreCentre = false)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentNullException.ThrowIfNull(batch);
        EvolutionTrainer trainer = _trainer ?? throw new InvalidOperationException("Attach the trainer before evaluating: silos need its state.");
        if (!ReferenceEquals(theta, trainer.Parameters) || generation.Generation != trainer.Generation)
        {
            throw new ArgumentException($"The cluster evaluates the attached trainer's generation {trainer.Generation}; got generation {generation.Generation} of another θ.", nameof(generation));
        }

        if (firstPair < 0 || pairCount < 0 || firstPair > generation.Pairs - pairCount || fitness.Length != 2 * pairCount)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPair), $"Pairs [{firstPair}, {firstPair + pairCount}) with {fitness.Length} fitnesses do not fit the generation's {generation.Pairs} pairs.");
        }

        long g = generation.Generation;
        var result = new double[2 * pairCount];
        Task<ClusterGenerationReport> cluster = Task.Run(() => EvaluateOnSilosAsync(g, ThetaHash.Of(theta.Values), firstPair, pairCount, result));
        // θ's own score is one forward pass: the coordinator computes it while the silos work.
        EvaluationResult? centre = scoreCentre ? _centre.Evaluate(theta, generation, batch, 0, 0, Span<double>.Empty, scoreCentre: true) : null;
        LastReport = cluster.GetAwaiter().GetResult();
        result.CopyTo(fitness);
        if (firstPair == 0 && pairCount == generation.Pairs)
        {
            // What the trainer tells next; the silos' replicas tell the same vector at the next generation.
            _previous = result;
            _previousGeneration = g;
        }
        else
        {
            _previousGeneration = -1;
        }

        return centre;
    }

    /// <summary>Nothing to release: the cluster client belongs to the caller.</summary>
    public void Dispose() => _centre.Dispose();

    private async Task<ClusterGenerationReport> EvaluateOnSilosAsync(long g, ulong hash, int firstPair, int pairCount, double[] result)
    {
        if (BeforeDispatch is { } hook)
        {
            await hook(g).ConfigureAwait(false);
        }

        await RefreshSilosAsync(g).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var generation = new GenerationTally();
        double[]? previous = _previousGeneration == g - 1 ? _previous : null;
        TimeSpan deadline = _options.Deadline + TimeSpan.FromSeconds(_options.DeadlineFactor * _lastSlowest);
        var pending = new List<(int First, int Count)> { (firstPair, pairCount) };
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        for (int round = 0; pending.Count > 0; round++)
        {
            List<SiloState> available = [.. _silos.Values.Where(s => s.Usable(g) && !excluded.Contains(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal)];
            if (available.Count == 0)
            {
                throw new InvalidOperationException(
                    $"Generation {g}: no silo is left to evaluate pairs {string.Join(", ", pending.Select(p => $"[{p.First}, {p.First + p.Count})"))} ({_silos.Count} known, {excluded.Count} failed this generation).");
            }

            if (round > 0)
            {
                generation.Reassigned += pending.Sum(p => p.Count);
            }

            List<(SiloState Silo, int First, int Count)> assignments = [.. pending.SelectMany(p => Split(p.First, p.Count, available))];
            pending.Clear();
            Outcome[] outcomes = await Task.WhenAll(assignments.Select(a => RunAsync(a.Silo, g, hash, previous, a.First, a.Count, deadline, generation))).ConfigureAwait(false);
            foreach (Outcome outcome in outcomes)
            {
                if (outcome.Diverged is { } why)
                {
                    throw new ClusterDivergenceException($"Generation {g}: silo {outcome.Silo.Key} diverged from the coordinator: {why}. The run stops; no replica's θ can be trusted past this point.");
                }

                if (outcome.Reply is { } reply)
                {
                    reply.Fitness.CopyTo(result, 2 * (reply.FirstPair - firstPair));
                    outcome.Silo.Failures = 0;
                    generation.Add(outcome.Silo, reply);
                }
                else
                {
                    _options.Log?.WriteLine($"generation {g}: pairs [{outcome.First}, {outcome.First + outcome.Count}) on silo {outcome.Silo.Key}: {outcome.Failure}; reassigning them");
                    excluded.Add(outcome.Silo.Key);
                    pending.Add((outcome.First, outcome.Count));
                }
            }
        }

        double wall = clock.Elapsed.TotalSeconds;
        double slowest = generation.Silos.Values.Select(s => s.Seconds).DefaultIfEmpty(0).Max();
        _lastSlowest = slowest;
        return new ClusterGenerationReport(
            g, wall, Math.Max(0, wall - slowest), generation.BytesSent, generation.BytesReceived, generation.SyncBytes, generation.Reassigned, generation.Rejected,
            [.. generation.Silos.Select(p => new SiloGenerationReport(p.Key.Key, p.Key.Machine, p.Key.Cores, p.Value.Pairs, p.Value.Seconds))]);
    }

    private async Task<Outcome> RunAsync(SiloState silo, long g, ulong hash, double[]? previous, int first, int count, TimeSpan deadline, GenerationTally tally)
    {
        var order = _authenticator.Sign(new WorkOrder
        {
            RunId = _runId, Generation = g, PreviousFitness = previous, ThetaHash = hash, FirstPair = first, PairCount = count,
        });
        long orderBytes = _serializer.SerializeToArray(order).Length;
        IEvolutionWorkerGrain grain = _client.GetGrain<IEvolutionWorkerGrain>(silo.Key);
        Task? call = null;
        try
        {
            tally.Sent(orderBytes);
            Task<WorkReply> evaluation = grain.Evaluate(order);
            call = evaluation;
            WorkReply reply = await evaluation.WaitAsync(deadline).ConfigureAwait(false);
            tally.Received(_serializer.SerializeToArray(reply).Length);
            if (reply.Status == WorkStatus.NeedsState && _authenticator.Verify(reply))
            {
                ReplicaSync sync = Sync(g);
                long syncBytes = _serializer.SerializeToArray(sync).Length;
                tally.Sent(syncBytes, sync: true);
                Task<string?> syncing = grain.Sync(sync);
                call = syncing;
                string? refused = await syncing.WaitAsync(_options.SyncDeadline).ConfigureAwait(false);
                if (refused is not null)
                {
                    return Failed(silo, first, count, "it refused the run's state: " + refused, tally);
                }

                tally.Sent(orderBytes);
                evaluation = grain.Evaluate(order);
                call = evaluation;
                reply = await evaluation.WaitAsync(deadline).ConfigureAwait(false);
                tally.Received(_serializer.SerializeToArray(reply).Length);
            }

            return Check(silo, g, first, count, hash, reply, tally);
        }
        catch (TimeoutException) when (call is not null && !call.IsCompleted)
        {
            // Stalled: its members go elsewhere, and it gets no more work until the call returns.
            silo.Outstanding = call;
            return Failed(silo, first, count, $"no reply within the deadline ({deadline.TotalSeconds:F1} s)", tally, rejected: false);
        }
        catch (Exception e) when (e is not ClusterDivergenceException)
        {
            silo.Failures++;
            silo.RetryAt = g + Math.Min(64, 1L << Math.Min(silo.Failures, 6));
            return Failed(silo, first, count, $"{e.GetType().Name}: {e.Message}", tally, rejected: false);
        }
    }

    private Outcome Check(SiloState silo, long g, int first, int count, ulong hash, WorkReply reply, GenerationTally tally)
    {
        if (!_authenticator.Verify(reply))
        {
            return Failed(silo, first, count, "rejected a reply whose MAC does not match the cluster's secret", tally);
        }

        if (reply.Status == WorkStatus.Diverged || (reply.Status == WorkStatus.Done && reply.ThetaHash != hash))
        {
            return new Outcome(silo, first, count, null, null, reply.Message ?? $"θ hashes to {reply.ThetaHash:x16} there and to {hash:x16} here");
        }

        if (reply.Status != WorkStatus.Done)
        {
            return Failed(silo, first, count, $"it answered {reply.Status}: {reply.Message}", tally);
        }

        if (reply.RunId != _runId || reply.Generation != g || reply.FirstPair != first || reply.PairCount != count)
        {
            return Failed(silo, first, count, $"rejected a reply for run {reply.RunId} generation {reply.Generation} pairs [{reply.FirstPair}, {reply.FirstPair + reply.PairCount})", tally);
        }

        if (reply.Fitness is null || reply.Fitness.Length != 2 * count)
        {
            return Failed(silo, first, count, $"rejected a fitness vector of {reply.Fitness?.Length ?? 0} values for {2 * count} members", tally);
        }

        int nan = Array.FindIndex(reply.Fitness, double.IsNaN);
        if (nan >= 0)
        {
            return Failed(silo, first, count, $"rejected a fitness vector with NaN at member {(2 * first) + nan}", tally);
        }

        return new Outcome(silo, first, count, reply, null, null);
    }

    private static Outcome Failed(SiloState silo, int first, int count, string why, GenerationTally tally, bool rejected = true)
    {
        if (rejected)
        {
            tally.Reject();
        }

        return new Outcome(silo, first, count, null, why, null);
    }

    private ReplicaSync Sync(long g)
    {
        lock (_silos)
        {
            if (_sync is null || _syncGeneration != g)
            {
                Checkpoint state = EvolutionCheckpoint.Capture(_trainer!);
                _sync = _authenticator.Sign(new ReplicaSync { RunId = _runId, Dataset = _options.Dataset, Checkpoint = SafetensorsCheckpoint.ToBytes(state) });
                _syncGeneration = g;
            }

            return _sync;
        }
    }

    private async Task RefreshSilosAsync(long g)
    {
        Dictionary<SiloAddress, SiloStatus> hosts;
        try
        {
            hosts = await _client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(_options.Deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            // The membership view is out of reach (e.g. its silo just died): keep the silos known so far; failed calls
            // reassign their members as usual.
            _options.Log?.WriteLine($"generation {g}: the cluster's membership could not be read ({e.GetType().Name}); using the {_silos.Count} silos known");
            return;
        }

        var active = hosts.Keys.ToDictionary(a => a.ToParsableString(), StringComparer.Ordinal);
        foreach (string gone in _silos.Keys.Where(k => !active.ContainsKey(k)).ToList())
        {
            _options.Log?.WriteLine($"generation {g}: silo {gone} left the cluster");
            _silos.Remove(gone);
        }

        foreach (string key in active.Keys.Where(k => !_silos.ContainsKey(k)))
        {
            try
            {
                WorkerDescription d = await _client.GetGrain<IEvolutionWorkerGrain>(key).Describe().WaitAsync(_options.Deadline).ConfigureAwait(false);
                _silos[key] = new SiloState(key, Math.Max(1, d.Cores), d.Machine);
                _options.Log?.WriteLine($"generation {g}: silo {key} ({d.Machine}, {d.Cores} cores) joined");
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException or InvalidOperationException)
            {
                _options.Log?.WriteLine($"generation {g}: silo {key} did not describe itself ({e.GetType().Name}); skipped");
            }
        }
    }

    // The range [first, first + count) in shares proportional to the silos' cores (largest remainders; empty shares dropped).
    private static IEnumerable<(SiloState Silo, int First, int Count)> Split(int first, int count, List<SiloState> silos)
    {
        long total = silos.Sum(s => (long)s.Cores);
        var shares = silos.Select(s => (Silo: s, Exact: (double)count * s.Cores / total)).ToList();
        int[] counts = [.. shares.Select(s => (int)Math.Floor(s.Exact))];
        int left = count - counts.Sum();
        foreach (int i in Enumerable.Range(0, shares.Count).OrderByDescending(i => shares[i].Exact - counts[i]).ThenBy(i => i).Take(left))
        {
            counts[i]++;
        }

        int at = first;
        for (int i = 0; i < shares.Count; i++)
        {
            if (counts[i] > 0)
            {
                yield return (shares[i].Silo, at, counts[i]);
                at += counts[i];
            }
        }
    }

    private sealed record Outcome(SiloState Silo, int First, int Count, WorkReply? Reply, string? Failure, string? Diverged);

    private sealed class SiloState(string key, int cores, string machine)
    {
        public string Key { get; } = key;

        public int Cores { get; } = cores;

        public string Machine { get; } = machine;

        public int Failures { get; set; }

        public long RetryAt { get; set; }

        public Task? Outstanding { get; set; }

        public bool Usable(long g)
        {
            if (Outstanding is { IsCompleted: false })
            {
                return false;
            }

            Outstanding = null;
            return g >= RetryAt;
        }
    }

    // One generation's traffic and work; replies arrive on several threads.
    private sealed class GenerationTally
    {
        private long _sent, _received, _sync;
        private int _rejected;

        public Dictionary<SiloState, (int Pairs, double Seconds)> Silos { get; } = [];

        public long BytesSent => Interlocked.Read(ref _sent);

        public long BytesReceived => Interlocked.Read(ref _received);

        public long SyncBytes => Interlocked.Read(ref _sync);

        public int Reassigned { get; set; }

        public int Rejected => Volatile.Read(ref _rejected);

        public void Reject() => Interlocked.Increment(ref _rejected);

        public void Sent(long bytes, bool sync = false)
        {
            Interlocked.Add(ref _sent, bytes);
            if (sync)
            {
                Interlocked.Add(ref _sync, bytes);
            }
        }

        public void Received(long bytes) => Interlocked.Add(ref _received, bytes);

        public void Add(SiloState silo, WorkReply reply)
        {
            Silos.TryGetValue(silo, out var sum);
            Silos[silo] = (sum.Pairs + reply.PairCount, sum.Seconds + reply.ComputeSeconds);
        }
    }
}
