using CpuLinear.Evolution;
using CpuLinear.Parallelism;
using CpuLinear.Randomness;

namespace CpuLinear.Experiments;

/// <summary>
/// Trains a parity model (<see cref="ParityScorer"/>) with <see cref="EvolutionStrategy"/> as it is: full-rank
/// antithetic members (<see cref="FullRankNoise"/>), centered ranks, Adam. The strategy names the members; this class
/// evaluates them: member m of generation g is θ + (±σ)·εⱼ written out with fused multiply-adds, scored on the
/// generation's batch of <see cref="EvolutionSettings.BatchSize"/> random sequences, a pure function of
/// (data seed, g) shared by the whole population. Fitness is the negated mean cross-entropy of the logits divided by
/// <see cref="EvolutionSettings.FitnessTemperature"/>.
/// </summary>
/// <remarks>
/// Members are split into contiguous blocks, one per thread, each with its own scorer; a member's fitness depends on
/// its θ and the batch alone and is stored at its index, so θ after every generation has the same bits for any
/// thread count.
/// </remarks>
public sealed class ParityEvolution
{
    private readonly ParityScorer[] _scorers;
    private readonly float[][] _members;

    /// <summary>Prepares training with one scorer per thread from <paramref name="createScorer"/>.</summary>
    /// <exception cref="ArgumentException">The settings are invalid, or the thread count is below 1.</exception>
    public ParityEvolution(Func<ParityScorer> createScorer, EvolutionSettings settings, int threads)
    {
        ArgumentNullException.ThrowIfNull(createScorer);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (threads < 1)
        {
            throw new ArgumentException($"Threads must be at least 1; got {threads}.", nameof(threads));
        }

        Settings = settings;
        Threads = threads;
        _scorers = [.. Enumerable.Range(0, threads).Select(_ => createScorer())];
        _members = [.. _scorers.Select(s => new float[s.ParameterCount])];
    }

    /// <summary>The ES settings (pairs, batch, schedules, generations, seed).</summary>
    public EvolutionSettings Settings { get; }

    /// <summary>Threads members are evaluated on.</summary>
    public int Threads { get; }

    /// <summary>The scorer of thread 0, for evaluating the trained θ.</summary>
    public ParityScorer Scorer => _scorers[0];

    /// <summary>
    /// The training batch of generation <paramref name="generation"/>: random sequences named by (data seed, generation),
    /// with random leading zeros when <paramref name="curriculum"/> (<see cref="ParitySequences.Random(ulong, ulong, int, int, bool)"/>).
    /// </summary>
    public static ParitySequences Batch(ulong dataSeed, long generation, int count, int length, bool curriculum) =>
        ParitySequences.Random(dataSeed, CounterRandom.StreamOf(0x7EA1, (ulong)generation), count, length, curriculum);

    /// <summary>
    /// Runs every generation of the settings from <paramref name="theta"/> (updated in place) on sequences of
    /// <paramref name="length"/> bits (with random leading zeros when <paramref name="curriculum"/>); <paramref name="progress"/> receives (generation, mean population loss) after each.
    /// </summary>
    /// <returns>The mean loss of the population in the last generation.</returns>
    public double Train(float[] theta, int length, ulong dataSeed, bool curriculum, Action<long, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.Length != _scorers[0].ParameterCount)
        {
            throw new ArgumentException($"θ has {theta.Length} values; the model has {_scorers[0].ParameterCount}.", nameof(theta));
        }

        var engine = new EngineSettings { MaxThreads = Threads };
        var noise = new FullRankNoise(theta.Length, Settings.Pairs, Settings.EffectiveNoiseSeed, engine);
        var strategy = new EvolutionStrategy(theta, Settings, noise, engine);
        var fitness = new double[strategy.PopulationSize];
        double meanLoss = double.NaN;
        while (!strategy.Finished)
        {
            GenerationRequest request = strategy.Ask();
            ParitySequences batch = Batch(dataSeed, request.Generation, Settings.BatchSize, length, curriculum);
            EngineParallel.For(Threads, Threads, new MemberBlocks(this, request, noise, theta, batch, fitness));
            double sum = 0;
            foreach (double f in fitness)
            {
                sum -= f;
            }

            meanLoss = sum / fitness.Length;
            strategy.Tell(fitness);
            progress?.Invoke(request.Generation, meanLoss);
        }

        return meanLoss;
    }

    private void EvaluateBlock(int block, GenerationRequest request, FullRankNoise noise, float[] theta, ParitySequences batch, double[] fitness)
    {
        int members = fitness.Length;
        int start = (int)((long)members * block / Threads), end = (int)((long)members * (block + 1) / Threads);
        float[] member = _members[block];
        for (int m = start; m < end; m++)
        {
            noise.WriteMember(theta, m / 2, request.ScaleOf(m), member);
            fitness[m] = -_scorers[block].Loss(member, batch, request.Temperature, out _);
        }
    }

    private readonly struct MemberBlocks(
        ParityEvolution owner, GenerationRequest request, FullRankNoise noise, float[] theta, ParitySequences batch, double[] fitness) : IWorkItems
    {
        public void Run(int index) => owner.EvaluateBlock(index, request, noise, theta, batch, fitness);
    }
}
