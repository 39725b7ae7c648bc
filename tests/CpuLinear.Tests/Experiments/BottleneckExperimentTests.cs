using CpuLinear.Experiments;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Experiments;

public sealed class BottleneckExperimentTests
{
    private static readonly double[] Radii = [0.25, 0.5, 1];

    private static BottleneckSettings Small(WeightDirectionKind kind = WeightDirectionKind.Tangent, params FloatSemantics[] semantics) => new()
    {
        InputWidth = 16, Outputs = 4, Samples = 12, HiddenWidths = [128], Directions = 6, Radii = Radii, DirectionKind = kind,
        Semantics = semantics.Length == 0 ? [FloatSemantics.Ieee] : semantics, Seed = 3, Threads = 2,
    };

    [Fact]
    public void Expansion_separates_the_orders_of_a_polynomial_exactly()
    {
        // f(r) = 1 + 2r + 3r² + 5r³ at r = 0, ±1/2, ±1, every value exact in float: s₁ = 2·½ + 5/8, s₂ = 3/4, s₃ = 5/8.
        static float F(float r) => 1 + (2 * r) + (3 * r * r) + (5 * r * r * r);
        BottleneckExperiment.Expansion e = BottleneckExperiment.Expand([F(0)], [F(0.5f)], [F(-0.5f)], [F(1)], [F(-1)]);
        Assert.Equal(1.625 * 1.625, e.First);
        Assert.Equal(0.75 * 0.75, e.Second);
        Assert.Equal(0.625 * 0.625, e.Third);
    }

    /// <summary>
    /// A one-layer map is linear in its weights, so s₂ is rounding alone. Per output, each of f(θ₀ ± Ru) and f(θ₀) is
    /// within (γ_d + u)·Σᵢ|xᵢ|(|Wᵢ| + R|uᵢ|) + 2^-25 of the exact affine value (u = 2^-24: one rounding per FMA of the
    /// d-term chain, one for writing the member's weight, and the scaling by 2^-125 rounding a value below ½ to the
    /// subnormal grid, 2^-24 in scaled units); the exact even part of the three is 0, so |s₂| is at most twice that.
    /// </summary>
    [Fact]
    public void One_layer_second_order_term_is_rounding_only()
    {
        BottleneckSettings settings = Small();
        var net = new NetworkArchitecture([settings.InputWidth, settings.Outputs]);
        float[] x = BottleneckExperiment.Inputs(settings);
        NetworkParameters start = NetworkParameters.Initialize(net, settings.Seed);
        IReadOnlyList<BottleneckRow> rows = BottleneckExperiment.Measure(settings, "one-layer", net, x);
        const double u = 1.0 / (1 << 24);
        double gamma = settings.InputWidth * u / (1 - (settings.InputWidth * u));
        for (int r = 0; r < Radii.Length; r++)
        {
            double boundSquares = 0;
            for (int d = 0; d < settings.Directions; d++)
            {
                float[] direction = WeightDirections.Draw(start, x, settings.DirectionKind, settings.Seed, d);
                for (int row = 0; row < settings.Samples; row++)
                {
                    for (int c = 0; c < settings.Outputs; c++)
                    {
                        double sum = 0;
                        for (int i = 0; i < settings.InputWidth; i++)
                        {
                            int w = (i * settings.Outputs) + c;
                            sum += Math.Abs(x[(row * settings.InputWidth) + i]) * (Math.Abs(start.Values[w]) + (Radii[r] * Math.Abs(direction[w])));
                        }

                        double bound = 2 * (((gamma + u) * sum) + Math.ScaleB(1.0, -25));
                        boundSquares += bound * bound;
                    }
                }
            }

            BottleneckRow measured = rows[r];
            Assert.Equal(Radii[r], measured.Radius);
            double rmsBound = Math.Sqrt(boundSquares / settings.Directions);
            Assert.True(measured.SecondOrder <= rmsBound, $"R = {Radii[r]}: ‖s₂‖ = {measured.SecondOrder:G3} above the rounding bound {rmsBound:G3}");
            Assert.True(measured.SecondOrderRatio < 1e-4, $"R = {Radii[r]}: ‖s₂‖/‖s₁‖ = {measured.SecondOrderRatio:G3}");
            Assert.True(measured.FirstOrder > 0);
        }
    }

    /// <summary>
    /// Two layers, no biases: f = x(W₁ + RU₁)(W₂ + RU₂), so s₂ = R²·x·U₁·U₂ and s₃ = 0 exactly. The float32 program
    /// agrees to rounding: per output, each evaluation is within (d + m + 2)·2^-24·Σ|x||W₁′||W₂′| (one rounding per FMA
    /// of both chains, per member weight written, per product) plus (m + 1)·2^-25 (the hidden values and the partial
    /// sums of the second GEMM below ½ in scaled units are subnormal in real ones, on a grid of 2^-24 scaled) of the
    /// exact value, with W′ = |W| + 4|U| covering every radius up to 4; s₂ and s₃ are at most twice that. (Tangent directions, so that
    /// s₂ is large enough for the bound to be a sharp test.)
    /// </summary>
    [Fact]
    public void Two_layer_second_order_term_is_the_product_of_the_two_directions()
    {
        const int hidden = 32;
        BottleneckSettings settings = Small() with { Radii = [1, 2, 4] };
        int d = settings.InputWidth, c = settings.Outputs, samples = settings.Samples;
        var net = new NetworkArchitecture([d, hidden, c]);
        float[] x = BottleneckExperiment.Inputs(settings);
        NetworkParameters start = NetworkParameters.Initialize(net, settings.Seed);
        IReadOnlyList<BottleneckRow> rows = BottleneckExperiment.Measure(settings, "two-layer", net, x);
        double squares = 0, worst = 0;
        for (int k = 0; k < settings.Directions; k++)
        {
            var u = new NetworkParameters(net, WeightDirections.Draw(start, x, settings.DirectionKind, settings.Seed, k));
            foreach (double value in Product(x, samples, u.Weights(0).ToArray(), d, hidden, u.Weights(1).ToArray(), c))
            {
                squares += value * value;
            }

            float[] w1 = [.. start.Weights(0).ToArray().Zip(u.Weights(0).ToArray(), (w, v) => Math.Abs(w) + (4 * Math.Abs(v)))];
            float[] w2 = [.. start.Weights(1).ToArray().Zip(u.Weights(1).ToArray(), (w, v) => Math.Abs(w) + (4 * Math.Abs(v)))];
            worst = Math.Max(worst, Product([.. x.Select(Math.Abs)], samples, w1, d, hidden, w2, c).Max());
        }

        double perOutput = 2 * (((d + hidden + 2) * Math.ScaleB(1.0, -24) * worst) + ((hidden + 1) * Math.ScaleB(1.0, -25)));
        double tolerance = perOutput * Math.Sqrt(samples * c);
        double expected = Math.Sqrt(squares / settings.Directions);
        foreach (BottleneckRow row in rows)
        {
            double r2 = row.Radius * row.Radius;
            Assert.True(Math.Abs(row.SecondOrder - (r2 * expected)) <= tolerance, $"R = {row.Radius}: ‖s₂‖ = {row.SecondOrder:R}, R²·‖x·U₁·U₂‖ = {r2 * expected:R}, bound {tolerance:G3}");
            Assert.True(row.ThirdOrder <= tolerance, $"R = {row.Radius}: ‖s₃‖ = {row.ThirdOrder:G3}, bound {tolerance:G3}");
            // The bound must be a small share of s₂, or it would not tell s₂ from rounding (about 2% at R = 1 here).
            Assert.True(tolerance < 0.05 * r2 * expected, $"the bound {tolerance:G3} is too loose for the test to mean anything at R = {row.Radius} (R²·‖x·U₁·U₂‖ = {r2 * expected:G3})");
        }
    }

    /// <summary>
    /// Under IEEE, along tangent directions of unit NTK length, a 128-wide network of depth 6 is nearly linear in its
    /// weights and bottlenecks of width 1 are not: the wide network's second-order term scales like R/√width (the
    /// curvature of a wide block), a bottleneck's like R (the product of two blocks' first-order terms), so at R = 1
    /// and width 128 a factor of 4 between them is well inside the expected √128 ≈ 11. One bottleneck leaves
    /// a product of two nearly linear blocks, whose third-order term is again small; two leave three blocks, whose
    /// product has an R³ term of order R²·s₁. The second-order term of the bottleneck grows in proportion to R (its
    /// ratio doubles with R, within 15%: the R⁴ part is small at R ≤ 1).
    /// </summary>
    [Fact]
    public void Bottlenecks_raise_the_degree_under_ieee()
    {
        BottleneckSettings settings = Small();
        Dictionary<string, IReadOnlyList<BottleneckRow>> rows = settings.Networks().Skip(1)
            .ToDictionary(n => n.Name, n => BottleneckExperiment.Measure(settings, n.Name, n.Architecture, BottleneckExperiment.Inputs(settings)));
        BottleneckRow wide = rows["wide-128"][2], one = rows["bottleneck1-128"][2], two = rows["bottleneck2-128"][2];
        Assert.Equal(1.0, wide.Radius);
        Assert.True(wide.SecondOrderRatio < 0.1, $"wide: ‖s₂‖/‖s₁‖ = {wide.SecondOrderRatio:G3}");
        Assert.True(one.SecondOrderRatio > 4 * wide.SecondOrderRatio, $"one bottleneck {one.SecondOrderRatio:G3} against wide {wide.SecondOrderRatio:G3}");
        Assert.True(two.SecondOrderRatio > 4 * wide.SecondOrderRatio, $"two bottlenecks {two.SecondOrderRatio:G3} against wide {wide.SecondOrderRatio:G3}");
        Assert.True(two.ThirdOrderRatio > 4 * one.ThirdOrderRatio, $"third order: two bottlenecks {two.ThirdOrderRatio:G3} against one {one.ThirdOrderRatio:G3}");
        Assert.True(two.ThirdOrderRatio > 4 * wide.ThirdOrderRatio, $"third order: two bottlenecks {two.ThirdOrderRatio:G3} against wide {wide.ThirdOrderRatio:G3}");
        IReadOnlyList<BottleneckRow> curve = rows["bottleneck1-128"];
        for (int r = 1; r < curve.Count; r++)
        {
            Assert.InRange(curve[r].SecondOrderRatio / curve[r - 1].SecondOrderRatio, 2 / 1.15, 2 * 1.15);
        }
    }

    /// <summary>
    /// What the flush does: under ftz-elementwise the outputs jump where a hidden value crosses the dead zone's edge, so
    /// even the wide network's even part is a sizeable share of its odd part at the smallest radius, where under IEEE it
    /// is a small one (ten times apart at least; measured 0.8 against 0.008 at R = ¼).
    /// </summary>
    [Fact]
    public void Flush_makes_even_the_wide_network_far_from_multilinear()
    {
        BottleneckSettings settings = Small(WeightDirectionKind.Tangent, FloatSemantics.Ieee, FloatSemantics.FtzElementwise);
        (string name, NetworkArchitecture architecture) = settings.Networks()[1];
        IReadOnlyList<BottleneckRow> rows = BottleneckExperiment.Measure(settings, name, architecture, BottleneckExperiment.Inputs(settings));
        BottleneckRow ieee = rows.Single(r => r.Semantics == FloatSemantics.Ieee && r.Radius == 0.25);
        BottleneckRow flushed = rows.Single(r => r.Semantics == FloatSemantics.FtzElementwise && r.Radius == 0.25);
        Assert.True(flushed.SecondOrderRatio > 10 * ieee.SecondOrderRatio, $"ftz {flushed.SecondOrderRatio:G3} against ieee {ieee.SecondOrderRatio:G3}");
        Assert.True(flushed.SecondOrderRatio > 0.1, $"ftz {flushed.SecondOrderRatio:G3}");
    }

    [Theory]
    [InlineData(WeightDirectionKind.Tangent)]
    [InlineData(WeightDirectionKind.Isotropic)]
    public void Directions_have_unit_ntk_norm_leave_biases_alone_and_do_not_depend_on_threads(WeightDirectionKind kind)
    {
        BottleneckSettings settings = Small(kind) with { HiddenWidths = [24], Directions = 3 };
        (string name, NetworkArchitecture net) = settings.Networks()[2];
        float[] x = BottleneckExperiment.Inputs(settings);
        NetworkParameters start = NetworkParameters.Initialize(net, settings.Seed);
        float[] u = WeightDirections.Draw(start, x, kind, settings.Seed, 1);
        Assert.Equal(1.0, WeightDirections.NtkNorm(net, u), 5);
        var p = new NetworkParameters(net, u);
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            Assert.All(p.Bias(layer).ToArray(), b => Assert.Equal(0f, b));
            Assert.Contains(p.Weights(layer).ToArray(), w => w != 0);
        }

        Assert.NotEqual(u, WeightDirections.Draw(start, x, kind, settings.Seed, 2));
        BottleneckRow[] one = [.. BottleneckExperiment.Measure(settings with { Threads = 1 }, name, net, x)];
        BottleneckRow[] three = [.. BottleneckExperiment.Measure(settings with { Threads = 3 }, name, net, x)];
        Assert.Equal(one, three);
    }

    [Fact]
    public void Bad_settings_are_refused_with_the_setting_named()
    {
        Assert.Contains("Radii", Assert.Throws<ArgumentException>(() => (Small() with { Radii = [1, -1] }).Validate()).Message);
        Assert.Contains("hidden width", Assert.Throws<ArgumentException>(() => (Small() with { HiddenWidths = [] }).Validate()).Message);
        Assert.Contains("semantics", Assert.Throws<ArgumentException>(() => (Small() with { Semantics = [FloatSemantics.Ieee, FloatSemantics.Ieee] }).Validate()).Message);
    }

    // x·U₁·U₂ in double, each sum in index order.
    private static double[] Product(float[] x, int samples, float[] u1, int d, int m, float[] u2, int c)
    {
        var result = new double[samples * c];
        for (int r = 0; r < samples; r++)
        {
            var h = new double[m];
            for (int i = 0; i < d; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    h[j] += (double)x[(r * d) + i] * u1[(i * m) + j];
                }
            }

            for (int k = 0; k < c; k++)
            {
                for (int j = 0; j < m; j++)
                {
                    result[(r * c) + k] += h[j] * u2[(j * c) + k];
                }
            }
        }

        return result;
    }
}
