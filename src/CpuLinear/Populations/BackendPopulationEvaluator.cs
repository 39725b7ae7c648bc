using CpuLinear.Backends;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;

namespace CpuLinear.Populations;

/// <summary>
/// Evaluates ES members on an <see cref="IComputeBackend"/> (the ILGPU backend on CUDA or its CPU accelerator, or
/// <see cref="CpuBackend"/>): low-rank pairs travel as θ and their noise (<see cref="IComputeBackend.EvaluateLowRankPairs"/>),
/// full-rank members as vectors θ ± σε in chunks of at most about 64 MiB. Fitness bits equal the CPU engine's.
/// </summary>
/// <remarks>
/// Unit-subset and later-layer members, and block populations of them, are not supported here: their shared-activation
/// decompositions run on the CPU engine's evaluator and in the ILGPU backend's device session, which keeps the whole
/// generation on the device.
/// </remarks>
public sealed class BackendPopulationEvaluator : IPopulationEvaluator
{
    private readonly bool _ownsBackend;
    private float[] _members = [];

    /// <summary>Evaluates on <paramref name="backend"/>; with <paramref name="ownsBackend"/>, disposing this disposes it.</summary>
    public BackendPopulationEvaluator(IComputeBackend backend, bool ownsBackend = false)
    {
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _ownsBackend = ownsBackend;
    }

    /// <summary>The backend the members run on.</summary>
    public IComputeBackend Backend { get; }

    /// <inheritdoc />
    public string Description => Backend.DeviceDescription;

    /// <inheritdoc />
    public bool Supports(MemberKind kind) => kind is MemberKind.FullRank or MemberKind.LowRank;

    /// <inheritdoc />
    public EvaluationResult? Evaluate(
        NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount, Span<double> fitness, bool scoreCentre = false)
    {
        PopulationArguments.Validate(theta, generation, batch, firstPair, pairCount, fitness.Length);
        PopulationNoise noise = generation.Noise;
        if (!Supports(noise.Kind))
        {
            string what = noise.Kind switch
            {
                MemberKind.UnitSubset => "a subset of first-layer units",
                MemberKind.LaterLayers => "only the layers after the first",
                MemberKind.Blocks => "a block population, with later-layer or unit-subset pairs",
                _ => "not a low-rank or full-rank kind",
            };
            throw new NotSupportedException(
                $"Members of kind {noise.Kind} ({what}) run on the CPU engine only; the {Backend.DeviceDescription} backend evaluates full-rank and low-rank members.");
        }

        if (generation.Temperature != 1f)
        {
            throw new NotSupportedException(
                $"The {Backend.DeviceDescription} backend scores members by the plain cross-entropy; a fitness temperature ({generation.Temperature}) needs the CPU engine (--backend cpu).");
        }

        EvaluationResult? centre = scoreCentre ? Backend.EvaluateBatch(theta, batch.Inputs, batch.Labels) : null;
        var results = new EvaluationResult[2 * pairCount];
        if (noise is LowRankNoise lowRank)
        {
            int length = lowRank.Layout.Length;
            Backend.EvaluateLowRankPairs(
                theta, lowRank.Layout, lowRank.AllPairs.Slice(firstPair * length, pairCount * length), generation.Sigma,
                batch.Inputs, batch.Labels, results);
        }
        else
        {
            EvaluateFullRank(theta, generation, (FullRankNoise)noise, batch, firstPair, pairCount, results);
        }

        for (int m = 0; m < results.Length; m++)
        {
            fitness[m] = -results[m].Loss;
        }

        return centre;
    }

    /// <summary>Disposes the backend when this evaluator owns it.</summary>
    public void Dispose()
    {
        if (_ownsBackend)
        {
            Backend.Dispose();
        }
    }

    // Member vectors θ ± σε from the noise table, in chunks of pairs taking at most ~64 MiB on the host.
    private void EvaluateFullRank(NetworkParameters theta, GenerationRequest generation, FullRankNoise noise, Minibatch batch, int firstPair, int pairCount, EvaluationResult[] results)
    {
        int count = theta.Architecture.ParameterCount;
        int chunk = (int)Math.Clamp((16L << 20) / (2L * count), 1, Math.Max(pairCount, 1));
        if (_members.Length < 2 * chunk * count)
        {
            _members = new float[2 * chunk * count];
        }

        for (int first = 0; first < pairCount; first += chunk)
        {
            int size = Math.Min(chunk, pairCount - first);
            for (int i = 0; i < size; i++)
            {
                int j = firstPair + first + i;
                noise.WriteMember(theta.Values, j, generation.Sigma, _members.AsSpan(2 * i * count, count));
                noise.WriteMember(theta.Values, j, -generation.Sigma, _members.AsSpan(((2 * i) + 1) * count, count));
            }

            Backend.EvaluatePopulation(theta.Architecture, _members.AsSpan(0, 2 * size * count), batch.Inputs, batch.Labels, results.AsSpan(2 * first, 2 * size));
        }
    }
}
