using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Populations;
using CpuLinear.Randomness;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Experiments;

/// <summary>
/// Backprop whose every step sees only a degraded direction: the minibatch gradient g mixed with fresh isotropic noise
/// so that the step's direction has cosine exactly c with g, at g's length, then ES's update (L2 in the direction, Adam,
/// ES's step-size schedule). It asks what an ES estimate of that quality could do if its mean were a given gradient:
/// with c the cosine <see cref="GradientAlignmentExperiment"/> measures for a population, the FTZ-aware gradient's curve
/// bounds what better-aimed members could buy, the straight-through one what ES's actual aim buys
/// (docs/evolution.md, "How good is one ES estimate").
/// </summary>
/// <remarks>
/// Direction d = ‖g‖·(c·ĝ + √(1 − c²)·ẑ), ĝ = g/‖g‖ and ẑ the unit part of a standard normal vector orthogonal to g
/// (Gram–Schmidt). Norms and dot products are reduced in double in index order; the noise is a counter-based stream
/// of (seed, gradient, c, step); so a run is the same bits on any thread count.
/// </remarks>
public static class NoisyGradientExperiment
{
    /// <summary>Runs every gradient and cosine of <paramref name="settings"/> from θ₀ of its seed.</summary>
    /// <param name="architecture">The network.</param>
    /// <param name="data">Training and test data.</param>
    /// <param name="settings">What to run.</param>
    /// <param name="progress">Told at every measurement (may be null).</param>
    /// <exception cref="ArgumentException">Invalid settings, or data of another shape than the network.</exception>
    public static IReadOnlyList<NoisyGradientPoint> Run(NetworkArchitecture architecture, DatasetSplits data, NoisyGradientSettings settings, Action<NoisyGradientPoint>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (data.Train.Features != architecture.Inputs || data.Train.ClassCount > architecture.Outputs)
        {
            throw new ArgumentException($"The {architecture} network takes {architecture.Inputs} inputs and {architecture.Outputs} classes; the data has {data.Train.Features} features and {data.Train.ClassCount} classes.", nameof(data));
        }

        var engine = new EngineSettings { MaxThreads = settings.Threads };
        var points = new List<NoisyGradientPoint>();
        foreach (GradientMode mode in settings.Gradients)
        {
            for (int ci = 0; ci < settings.Cosines.Count; ci++)
            {
                double c = settings.Cosines[ci];
                var theta = NetworkParameters.Initialize(architecture, settings.Seed);
                var trainer = new BackpropTrainer(theta, mode, engine);
                var adam = new AdamOptimizer(theta.Values.Length);
                var minibatches = new EvolutionMinibatches(settings.BatchSize, settings.Seed);
                var batch = new Minibatch();
                var executor = new FusedExecutor(engine);
                float[] gradient = new float[theta.Values.Length], noise = new float[theta.Values.Length];
                ulong stream = CounterRandom.StreamOf(0x4E01_5E6D, (ulong)mode, (ulong)ci);
                double loss = double.NaN;
                for (int step = 0; step < settings.Steps; step++)
                {
                    minibatches.Gather(data.Train, step, batch);
                    loss = trainer.ComputeGradient(batch.Inputs, batch.Labels, gradient, out _);
                    if (c < 1)
                    {
                        new CounterRandom(settings.Seed, CounterRandom.StreamOf(stream, (ulong)step)).FillNormal(noise);
                        Degrade(gradient, noise, c);
                    }

                    float decay = settings.WeightDecay;
                    float[] values = theta.Values;
                    for (int i = 0; i < gradient.Length; i++)
                    {
                        gradient[i] += decay * values[i];
                    }

                    adam.Update(values, gradient, settings.LearningRateAt(step));
                    if ((step + 1) % settings.EvaluateEvery == 0 || step + 1 == settings.Steps)
                    {
                        var point = new NoisyGradientPoint(mode, c, step + 1, loss, Evaluation.Run(executor, theta, data.Test).Accuracy);
                        points.Add(point);
                        progress?.Invoke(point);
                    }
                }
            }
        }

        return points;
    }

    /// <summary>
    /// Replaces <paramref name="gradient"/> by ‖g‖·(c·ĝ + √(1 − c²)·ẑ), ẑ the unit part of <paramref name="noise"/>
    /// orthogonal to g (<paramref name="noise"/> is overwritten). A zero gradient or noise parallel to it is left as g.
    /// </summary>
    public static void Degrade(Span<float> gradient, Span<float> noise, double cosine)
    {
        if (gradient.Length != noise.Length)
        {
            throw new ArgumentException($"A gradient of {gradient.Length} and noise of {noise.Length} values.");
        }

        double gg = 0, gz = 0;
        for (int i = 0; i < gradient.Length; i++)
        {
            gg += (double)gradient[i] * gradient[i];
            gz += (double)gradient[i] * noise[i];
        }

        if (gg == 0)
        {
            return;
        }

        double projection = gz / gg, zz = 0;
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (float)(noise[i] - (projection * gradient[i]));
            zz += (double)noise[i] * noise[i];
        }

        if (zz == 0)
        {
            return;
        }

        double norm = Math.Sqrt(gg);
        double along = cosine, across = Math.Sqrt(1 - (cosine * cosine)) * norm / Math.Sqrt(zz);
        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] = (float)((along * gradient[i]) + (across * noise[i]));
        }
    }
}
