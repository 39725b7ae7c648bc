using CommunityToolkit.HighPerformance;

namespace CpuLinear.Scoring;

/// <summary>Softmax cross-entropy on logit rows: the loss, its gradient and the argmax hits.</summary>
/// <remarks>
/// Each row is reduced on its own in double (max, exponentials, sum in class order) and rows are summed in
/// index order, so the loss and gradient are the same bits whatever the thread count.
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Sum over rows of <c>−log softmax(o)[label]</c>; counts argmax hits (first maximum wins). When
    /// <paramref name="gradient"/> is not empty it receives <c>(softmax(o) − onehot) · gradientScale</c>.
    /// </summary>
    /// <remarks>A row with a NaN logit has NaN loss and never counts as correct.</remarks>
    public static double Evaluate(ReadOnlySpan2D<float> logits, ReadOnlySpan<byte> labels, Span2D<float> gradient, float gradientScale, out int correct) =>
        Evaluate(logits, labels, gradient, gradientScale, 1f, out correct);

    /// <summary>
    /// One row's <c>−log softmax(o)[label]</c>, without hits or gradient: the bits <see cref="Evaluate(ReadOnlySpan2D{float}, ReadOnlySpan{byte}, Span2D{float}, float, out int)"/>
    /// gives for that row alone. The maximum's own exponential, exp(+0), is the exact 1 it always is and is not called for.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The label is not one of the row's classes.</exception>
    public static double RowLoss(ReadOnlySpan<float> logits, int label)
    {
        if ((uint)label >= (uint)logits.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"The row has {logits.Length} classes.");
        }

        float max = Max(logits, out int best);

        // Only a finite maximum subtracts from itself to +0; infinity and NaN take the general route.
        bool finite = float.IsFinite(max);
        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            sum += c == best && finite ? 1.0 : Math.Exp((double)logits[c] - max);
        }

        return Math.Log(sum) - ((double)logits[label] - max);
    }

    /// <summary>
    /// As the other overload, on the logits divided by <paramref name="temperature"/> (in double, after the row's
    /// maximum is subtracted): the loss of a softer (T &gt; 1) or sharper (T &lt; 1) softmax. The hits do not depend on
    /// T; at T = 1 every bit equals the plain loss.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not positive and finite.</exception>
    public static double Evaluate(ReadOnlySpan2D<float> logits, ReadOnlySpan<byte> labels, Span2D<float> gradient, float gradientScale, float temperature, out int correct)
    {
        if (!(temperature > 0) || float.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        }

        // x·1.0 is exact, so T = 1 gives the plain loss's bits.
        double inverseTemperature = 1.0 / temperature;
        if (labels.Length != logits.Height)
        {
            throw new ArgumentException($"{logits.Height} logit rows but {labels.Length} labels.", nameof(labels));
        }

        int classes = logits.Width;
        double total = 0;
        correct = 0;
        Span<double> exponentials = classes <= 256 ? stackalloc double[classes] : new double[classes];
        for (int row = 0; row < logits.Height; row++)
        {
            ReadOnlySpan<float> o = logits.GetRowSpan(row);
            int label = labels[row];
            float max = Max(o, out int best);

            if (best == label && !float.IsNaN(max))
            {
                correct++;
            }

            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                exponentials[c] = Math.Exp(((double)o[c] - max) * inverseTemperature);
                sum += exponentials[c];
            }

            total += Math.Log(sum) - (((double)o[label] - max) * inverseTemperature);
            if (!gradient.IsEmpty)
            {
                Span<float> g = gradient.GetRowSpan(row);
                for (int c = 0; c < classes; c++)
                {
                    g[c] = (float)(((exponentials[c] / sum) - (c == label ? 1 : 0)) * gradientScale);
                }
            }
        }

        return total;
    }

    // The row's largest logit and where it first occurs (a NaN never replaces it; a NaN first stays).
    private static float Max(ReadOnlySpan<float> o, out int best)
    {
        best = 0;
        float max = o[0];
        for (int c = 1; c < o.Length; c++)
        {
            if (o[c] > max)
            {
                max = o[c];
                best = c;
            }
        }

        return max;
    }
}
