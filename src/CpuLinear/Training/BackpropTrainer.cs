using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Randomness;
using CpuLinear.Scoring;

namespace CpuLinear.Training;

/// <summary>
/// Minibatch backprop with Adam on a dead-zone (FtzElementwise) network, or on the pure linear map, the
/// way the blog's TensorFlow autodiff trained it; see <see cref="GradientMode"/>.
/// </summary>
/// <remarks>
/// <para>
/// Everything is computed in units scaled by s = 2^S (see <see cref="FusedExecutor"/>). Derivatives with
/// respect to W and b are the scaled-unit ones with no correction: the first layer's (x·W1 + b1)/s and every
/// later h·W + b/s are, after multiplying by s, x·W1 + b1 and h'·W + b with h' = s·h, and the final ·s turns
/// the last layer back into real-unit logits, so every 1/s meets a matching s. The bias term b/s therefore
/// appears as plain b, and ∂loss/∂W, ∂loss/∂b in scaled units are the true ones.
/// </para>
/// <para>
/// Deterministic for a seed whatever the thread count: the GEMMs are bit-deterministic, transposes are copies,
/// bias gradients are a ones-vector GEMM (one FMA chain over rows in increasing order), and the loss,
/// masks and Adam are sequential element-wise loops.
/// </para>
/// </remarks>
public sealed class BackpropTrainer
{
    private readonly EngineSettings _settings;
    private readonly float[][] _activations, _products, _flushedBias;
    private float[] _delta = [], _previousDelta = [], _transposed = [], _ones = [], _inputCopy = [], _batchInputs = [];
    private byte[] _batchLabels = [];
    private readonly float[] _gradient;
    private int _capacity;

    /// <summary>Trains <paramref name="parameters"/> in place.</summary>
    public BackpropTrainer(NetworkParameters parameters, GradientMode mode, EngineSettings? settings = null, AdamSettings? adam = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown gradient mode.");
        }

        Parameters = parameters;
        Mode = mode;
        _settings = settings ?? EngineSettings.Default;
        Optimizer = new AdamOptimizer(parameters.Values.Length, adam);
        int layers = parameters.Architecture.LayerCount;
        _activations = new float[layers][];
        _products = new float[layers][];
        _flushedBias = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            _activations[l] = _products[l] = [];
            _flushedBias[l] = new float[parameters.Architecture.Widths[l + 1]];
        }

        _gradient = new float[parameters.Values.Length];
    }

    /// <summary>The parameters being trained (updated in place).</summary>
    public NetworkParameters Parameters { get; }

    /// <summary>How the backward pass treats the dead zones.</summary>
    public GradientMode Mode { get; }

    /// <summary>Adam's state (saved in checkpoints so training can resume).</summary>
    public AdamOptimizer Optimizer { get; }

    /// <summary>True when the training forward pass is the dead-zone network; false for the pure linear map.</summary>
    public bool ForwardFlushes => Mode != GradientMode.PureLinear;

    /// <summary>
    /// The training forward pass as an executor: the fused dead-zone network (bit-identical to
    /// <see cref="FusedExecutor"/>) or, in <see cref="GradientMode.PureLinear"/>, the pure linear map in scaled
    /// units, which for a one-layer network is exactly float32 softmax regression.
    /// </summary>
    public IForwardExecutor ForwardExecutor => new TrainingForward(this);

    /// <summary>
    /// Mean softmax cross-entropy of the batch and its gradient with respect to every parameter (flat layout of
    /// <see cref="NetworkParameters.Values"/>) written to <paramref name="gradient"/>.
    /// </summary>
    public double ComputeGradient(ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<float> gradient, out int correct)
    {
        NetworkArchitecture net = Parameters.Architecture;
        if (gradient.Length != Parameters.Values.Length)
        {
            throw new ArgumentException($"The gradient needs {Parameters.Values.Length} floats; got {gradient.Length}.", nameof(gradient));
        }

        int batch = inputs.Height;
        if (batch == 0 || labels.Length != batch)
        {
            throw new ArgumentException($"A batch needs at least one row and one label per row; got {batch} rows and {labels.Length} labels.", nameof(labels));
        }

        RunForward(inputs);
        int layers = net.LayerCount;
        var logits = new ReadOnlySpan2D<float>(_activations[layers - 1], 0, batch, net.Outputs, 0);
        var delta = new Span2D<float>(_delta, 0, batch, net.Outputs, 0);
        double loss = SoftmaxCrossEntropy.Evaluate(logits, labels, delta, 1f / batch, out correct) / batch;

        for (int l = layers - 1; l >= 0; l--)
        {
            int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
            Span<float> g = _delta.AsSpan(0, batch * fanOut);
            Span<float> biasGradient = gradient.Slice(net.BiasOffset(l), fanOut);
            if (Mode == GradientMode.FtzAware)
            {
                // D_out is flat (derivative 0) wherever the sum was flushed, i.e. wherever the output is zero.
                ReadOnlySpan<float> output = _activations[l].AsSpan(0, g.Length);
                for (int i = 0; i < g.Length; i++)
                {
                    if (output[i] == 0f)
                    {
                        g[i] = 0f;
                    }
                }
            }

            // Bias gradient: column sums of g as ones(1 x batch)·g, one chain over rows in increasing order.
            Gemm.Multiply(1, fanOut, batch, _ones, batch, g, fanOut, biasGradient, fanOut, _settings);
            if (Mode == GradientMode.FtzAware)
            {
                // D_in(b) = 0 means b/s itself was flushed: no gradient reaches b through the flush.
                ReadOnlySpan<float> flushed = _flushedBias[l];
                for (int j = 0; j < fanOut; j++)
                {
                    if (flushed[j] == 0f)
                    {
                        biasGradient[j] = 0f;
                    }
                }

                // D_in on the product (DAZ where h·W enters the add).
                float inner = FusedExecutor.Thresholds(net, l).Inner;
                ReadOnlySpan<float> product = _products[l].AsSpan(0, g.Length);
                for (int i = 0; i < g.Length; i++)
                {
                    if (!(MathF.Abs(product[i]) >= inner))
                    {
                        g[i] = 0f;
                    }
                }
            }

            // ∂W = inputᵀ·g: the layer input (batch x fanIn) transposed so the GEMM runs without transposes.
            ReadOnlySpan<float> input = l == 0 ? Contiguous(inputs) : _activations[l - 1].AsSpan(0, batch * fanIn);
            Transpose.Apply(input, batch, fanIn, _transposed);
            Gemm.Multiply(fanIn, fanOut, batch, _transposed, batch, g, fanOut, gradient.Slice(net.WeightOffset(l), fanIn * fanOut), fanOut, _settings);

            if (l > 0)
            {
                // δ for the layer below = g·Wᵀ; in scaled units the layer's linear part is h·W + b, nothing else.
                Transpose.Apply(Parameters.Weights(l), fanIn, fanOut, _transposed);
                Gemm.Multiply(batch, fanIn, fanOut, g, fanOut, _transposed, fanIn, _previousDelta, fanIn, _settings);
                (_delta, _previousDelta) = (_previousDelta, _delta);
            }
        }

        return loss;
    }

    /// <summary>One Adam step on one minibatch; returns the batch's mean loss (before the update).</summary>
    public double TrainStep(ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, float learningRate, out int correct)
    {
        double loss = ComputeGradient(inputs, labels, _gradient, out correct);
        Optimizer.Update(Parameters.Values, _gradient, learningRate);
        return loss;
    }

    /// <summary>
    /// One epoch of minibatch Adam over <paramref name="data"/> (the first <paramref name="limit"/> examples when
    /// given) in the seeded order of <see cref="MinibatchOrder"/>; the last batch may be smaller.
    /// <paramref name="progress"/> is told the examples done after each batch.
    /// </summary>
    public EpochSummary TrainEpoch(Data.LabeledImages data, int epoch, int batchSize, float learningRate, ulong seed, int? limit = null, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int count = Math.Min(limit ?? data.Count, data.Count);
        int features = data.Features;
        int[] order = MinibatchOrder.Permutation(count, seed, epoch);
        if (_batchInputs.Length < batchSize * features)
        {
            _batchInputs = new float[batchSize * features];
            _batchLabels = new byte[batchSize];
        }

        ReadOnlySpan<float> pixels = data.Pixels;
        ReadOnlySpan<byte> labels = data.Labels;
        double lossSum = 0;
        int correctSum = 0;
        for (int start = 0; start < count; start += batchSize)
        {
            int rows = Math.Min(batchSize, count - start);
            for (int r = 0; r < rows; r++)
            {
                int example = order[start + r];
                pixels.Slice(example * features, features).CopyTo(_batchInputs.AsSpan(r * features, features));
                _batchLabels[r] = labels[example];
            }

            var batch = new ReadOnlySpan2D<float>(_batchInputs, 0, rows, features, 0);
            // The mean loss of each batch, weighted by its size, summed in batch order.
            lossSum += TrainStep(batch, _batchLabels.AsSpan(0, rows), learningRate, out int correct) * rows;
            correctSum += correct;
            progress?.Invoke(start + rows);
        }

        return new EpochSummary(epoch, learningRate, count == 0 ? 0 : lossSum / count, count == 0 ? 0 : (double)correctSum / count, Optimizer.Step);
    }

    /// <summary>Writes the training forward pass's logits for <paramref name="inputs"/> into <paramref name="logits"/>.</summary>
    internal void Forward(ReadOnlySpan2D<float> inputs, Span2D<float> logits)
    {
        ForwardShapes.Validate(Parameters.Architecture, inputs, logits);
        RunForward(inputs);
        int outputs = Parameters.Architecture.Outputs;
        new ReadOnlySpan2D<float>(_activations[^1], 0, inputs.Height, outputs, 0).CopyTo(logits);
    }

    private void RunForward(ReadOnlySpan2D<float> inputs)
    {
        NetworkArchitecture net = Parameters.Architecture;
        if (inputs.Width != net.Inputs)
        {
            throw new ArgumentException($"The network {net} takes {net.Inputs} inputs per row; the batch has {inputs.Width}.", nameof(inputs));
        }

        int batch = inputs.Height;
        EnsureCapacity(batch);
        ReadOnlySpan2D<float> source = inputs;
        for (int l = 0; l < net.LayerCount; l++)
        {
            int fanOut = net.Widths[l + 1];
            var output = new Span2D<float>(_activations[l], 0, batch, fanOut, 0);
            if (Mode == GradientMode.PureLinear)
            {
                // No flush anywhere: x·W + b in scaled units, one IEEE add per element.
                var weights = new ReadOnlySpan2D<float>(Parameters.Values, net.WeightOffset(l), net.Widths[l], fanOut, 0);
                Parameters.Bias(l).CopyTo(_flushedBias[l]);
                Gemm.Multiply(source, weights, output, new BiasEpilogue(_flushedBias[l]), _settings);
            }
            else
            {
                // The exact layer FusedExecutor runs; the FTZ-aware backward also needs the raw products.
                Span2D<float> product = Mode == GradientMode.FtzAware ? new Span2D<float>(_products[l], 0, batch, fanOut, 0) : Span2D<float>.Empty;
                FusedExecutor.Layer(Parameters, l, source, output, _flushedBias[l], product, _settings);
            }

            source = output;
        }
    }

    private void EnsureCapacity(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }

        NetworkArchitecture net = Parameters.Architecture;
        int widest = net.Widths.Max();
        for (int l = 0; l < net.LayerCount; l++)
        {
            _activations[l] = new float[batch * net.Widths[l + 1]];
            _products[l] = Mode == GradientMode.FtzAware ? new float[batch * net.Widths[l + 1]] : [];
        }

        _delta = new float[batch * widest];
        _previousDelta = new float[batch * widest];
        int largestTranspose = Enumerable.Range(0, net.LayerCount).Max(l => Math.Max(batch * net.Widths[l], net.Widths[l] * net.Widths[l + 1]));
        _transposed = new float[largestTranspose];
        _ones = new float[batch];
        _ones.AsSpan().Fill(1f);
        _capacity = batch;
    }

    /// <summary>The batch as one span (copied only when the caller's rows are not adjacent in memory).</summary>
    private ReadOnlySpan<float> Contiguous(ReadOnlySpan2D<float> matrix)
    {
        if (matrix.TryGetSpan(out ReadOnlySpan<float> span))
        {
            return span;
        }

        if (_inputCopy.Length < matrix.Length)
        {
            _inputCopy = new float[matrix.Length];
        }

        matrix.CopyTo(_inputCopy);
        return _inputCopy.AsSpan(0, (int)matrix.Length);
    }

    /// <summary>The trainer's forward pass behind the executor interface.</summary>
    private sealed class TrainingForward(BackpropTrainer trainer) : IForwardExecutor
    {
        public FloatSemantics Semantics => trainer.ForwardFlushes ? FloatSemantics.FtzElementwise : FloatSemantics.Ieee;

        public void Forward(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, Span2D<float> logits)
        {
            if (!ReferenceEquals(parameters, trainer.Parameters))
            {
                throw new ArgumentException("The training forward pass runs the trainer's own parameters.", nameof(parameters));
            }

            trainer.Forward(inputs, logits);
        }
    }
}
