using System.Globalization;
using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>One point of a sweep's grid: a network shape, its scale, and how it is trained.</summary>
/// <param name="Depth">Weight layers, 2..8: depth 2 has one hidden layer, the blog's network depth 3.</param>
/// <param name="Width">Width of every hidden layer.</param>
/// <param name="ScaleExponent">S in s = 2^S; the dead zone's edge is 2^(S−126) in scaled units.</param>
/// <param name="Trainer">How the network is trained.</param>
public readonly record struct SweepCell(int Depth, int Width, int ScaleExponent, SweepTrainer Trainer)
{
    /// <summary>The cell's name in file names and progress lines, e.g. <c>d3-w16-s125-es</c>.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"d{Depth}-w{Width}-s{ScaleExponent}-{SweepTrainers.Name(Trainer)}");

    /// <summary>The network: <paramref name="inputs"/>, <see cref="Depth"/> − 1 hidden layers of <see cref="Width"/>, <paramref name="classes"/>.</summary>
    public NetworkArchitecture Architecture(int inputs, int classes) =>
        new([inputs, .. Enumerable.Repeat(Width, Depth - 1), classes], ScaleExponent);
}
