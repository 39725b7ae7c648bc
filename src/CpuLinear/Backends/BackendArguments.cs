using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Backends;

/// <summary>
/// Argument checks and the host-side loss shared by every backend, so they reject the same inputs with the
/// same messages and score logits with the same arithmetic.
/// </summary>
internal static class BackendArguments
{
    public static void ValidateGemm(int m, int n, int k, int aLength, int bLength, int biasLength, int cLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        RequireLength("A", aLength, (long)m * k);
        RequireLength("B", bLength, (long)k * n);
        RequireLength("C", cLength, (long)m * n);
        if (biasLength != 0 && biasLength != n)
        {
            throw new ArgumentException($"The bias has {biasLength} values; it must have {n} (one per column) or none.", "bias");
        }
    }

    public static int ValidateBiasRows(int valuesLength, int biasLength)
    {
        if (biasLength == 0 ? valuesLength != 0 : valuesLength % biasLength != 0)
        {
            throw new ArgumentException($"{valuesLength} values are not whole rows of {biasLength} columns.", "values");
        }

        return biasLength == 0 ? 0 : valuesLength / biasLength;
    }

    public static void ValidateBatch(NetworkArchitecture net, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels)
    {
        if (inputs.Width != net.Inputs)
        {
            throw new ArgumentException($"The network {net} takes {net.Inputs} inputs per row; the batch has {inputs.Width}.", nameof(inputs));
        }

        if (labels.Length != inputs.Height)
        {
            throw new ArgumentException($"{inputs.Height} input rows but {labels.Length} labels.", nameof(labels));
        }
    }

    /// <summary>Checks a low-rank population's shapes (see <see cref="IComputeBackend.EvaluateLowRankPopulation"/>) and returns P.</summary>
    public static int ValidateLowRank(
        NetworkArchitecture net, int membersLength, int rank, int factorsALength, int factorsBLength, int scalesLength, int membersPerFactor, int resultsLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(membersPerFactor, 1);
        int population = ValidatePopulation(net, membersLength, resultsLength, "members");
        if (population % membersPerFactor != 0)
        {
            throw new ArgumentException($"{population} members are not whole groups of {membersPerFactor}.", nameof(membersPerFactor));
        }

        long factors = population / membersPerFactor;
        RequireExact("factorsA", factorsALength, factors * net.Inputs * rank);
        RequireExact("factorsB", factorsBLength, factors * rank * net.Widths[1]);
        RequireExact("scales", scalesLength, population);
        return population;
    }

    /// <summary>Checks a low-rank pair population; returns the number of pairs.</summary>
    public static int ValidatePairs(NetworkParameters centre, Evolution.LowRankNoiseLayout layout, int noiseLength, int resultsLength)
    {
        ArgumentNullException.ThrowIfNull(centre);
        ArgumentNullException.ThrowIfNull(layout);
        if (!layout.Architecture.Equals(centre.Architecture))
        {
            throw new ArgumentException($"The noise layout is for {layout.Architecture}; the centre is {centre.Architecture}.", nameof(layout));
        }

        if (noiseLength % layout.Length != 0)
        {
            throw new ArgumentException($"pairNoise has {noiseLength} floats, not whole pairs of {layout.Length}.", "pairNoise");
        }

        int pairs = noiseLength / layout.Length;
        RequireExact("results", resultsLength, 2L * pairs);
        return pairs;
    }

    private static void RequireExact(string name, int length, long needed)
    {
        if (length != needed)
        {
            throw new ArgumentException($"{name} has {length} floats; the shapes need {needed}.", name);
        }
    }

    /// <summary>Checks a population's shape and returns P.</summary>
    public static int ValidatePopulation(NetworkArchitecture net, int membersLength, int resultsLength, string name)
    {
        int count = net.ParameterCount;
        if (membersLength % count != 0)
        {
            throw new ArgumentException($"{membersLength} floats are not whole parameter vectors of {net} ({count} parameters each).", name);
        }

        int population = membersLength / count;
        if (resultsLength != population)
        {
            throw new ArgumentException($"{population} members but room for {resultsLength} results.", "results");
        }

        return population;
    }

    /// <summary>
    /// Mean loss and accuracy of one batch of logits: <see cref="SoftmaxCrossEntropy.Evaluate(ReadOnlySpan2D{float}, ReadOnlySpan{byte}, Span2D{float}, float, out int)"/> (rows in index
    /// order, double) divided by the row count exactly as <see cref="Evaluation.Run"/> does for one chunk.
    /// </summary>
    public static EvaluationResult Score(ReadOnlySpan2D<float> logits, ReadOnlySpan<byte> labels)
    {
        if (logits.Height == 0)
        {
            return new EvaluationResult(0, 0, 0);
        }

        double total = SoftmaxCrossEntropy.Evaluate(logits, labels, Span2D<float>.Empty, 0f, out int correct);
        return new EvaluationResult((double)correct / logits.Height, total / logits.Height, logits.Height);
    }

    private static void RequireLength(string name, int length, long needed)
    {
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} floats; the shape needs {needed}.", name);
        }
    }
}
