using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// Every member kind's noise drawn on the device (<see cref="DeviceEvolutionSession"/>) against <see cref="PopulationNoise.Draw"/>
/// on the host, vector for vector in the host's layout: low rank, unit subsets (their units and masked first layer),
/// later-layer blocks numbered from their place in the population, and the full-rank table and offsets.
/// </summary>
public sealed class DeviceNoiseTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    // Odd widths, and a rank-1 layout of odd length (57), so a vector ends in half a Box–Muller pair.
    private static readonly NetworkArchitecture Net = new([9, 8, 6, 3]);

    public static TheoryData<string, int, int, int, int, long> Kinds() => new()
    {
        // name, rank, first-layer units, pairs, later-layer pairs, generation
        { "low rank", 1, 0, 5, 0, 3 },
        { "low rank r=2", 2, 0, 4, 0, 6999 },
        { "unit subsets", 1, 3, 6, 0, 7 },
        { "unit subsets r=3", 3, 5, 4, 0, 2 },
        { "unit subsets + later layers", 2, 2, 3, 4, 11 },
        { "low rank + later layers", 1, 0, 2, 5, 0 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_pairs_noise_equals_the_hosts_draw(string name, int rank, int units, int pairs, int laterPairs, long generation)
    {
        var settings = new EvolutionSettings { Pairs = pairs, LaterLayerPairs = laterPairs, Rank = rank, FirstLayerUnits = units, Seed = 5, NoiseSeed = 0xDEAD_BEEF };
        PopulationNoise host = PopulationNoise.For(Net, settings, new EngineSettings { MaxThreads = 2 });
        host.Draw(generation);
        PopulationNoise[] blocks = host is BlockNoise b ? [.. b.Blocks] : [host];
        using var session = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(Net, 1), settings);
        bool nonZero = false;
        for (int block = 0; block < blocks.Length; block++)
        {
            var noise = (LowRankNoise)blocks[block];
            int length = noise.Layout.Length;
            // All the block's pairs at once, then its pairs from 1 on alone (a later chunk numbers its pairs from its own start).
            foreach (int first in new[] { 0, 1 })
            {
                (float[] drawn, int[] drawnUnits) = session.DrawForTest(generation, block, first, noise.Pairs - first);
                for (int i = 0; i < noise.Pairs - first; i++)
                {
                    Reference.SameBits(noise.Pair(first + i), drawn.AsSpan(i * length, length), $"{name}: block {block} pair {first + i}");
                    nonZero |= drawn.AsSpan(i * length, length).ContainsAnyExcept(0f);
                    if (noise is UnitSubsetNoise subsets)
                    {
                        Assert.Equal(subsets.UnitsOf(first + i).ToArray(), drawnUnits.AsSpan(i * subsets.Units, subsets.Units).ToArray());
                    }
                }
            }
        }

        Assert.True(nonZero, "the noise should not be all zeros");
    }

    [Fact]
    public void The_full_rank_table_and_every_pairs_direction_equal_the_hosts()
    {
        var settings = new EvolutionSettings { Pairs = 7, Rank = 0, Seed = 3 };
        var host = new FullRankNoise(Net.ParameterCount, settings.Pairs, settings.EffectiveNoiseSeed, new EngineSettings { MaxThreads = 2 });
        using var session = new DeviceEvolutionSession(fixture.Backend, NetworkParameters.Initialize(Net, 1), settings);
        foreach (long generation in new long[] { 0, 41 })
        {
            host.Draw(generation);
            (float[] table, int[] offsets) = session.FullRankNoiseForTest(generation);
            for (int j = 0; j < settings.Pairs; j++)
            {
                Reference.SameBits(host.Direction(j), table.AsSpan(offsets[j], Net.ParameterCount), $"pair {j} of generation {generation}");
            }

            Assert.True(offsets.Distinct().Count() > 1, "pairs should read different parts of the table");
            if (generation == 0)
            {
                // The whole table is the seed's normal stream (FullRankNoise's definition), not only the parts read here.
                var expected = new float[table.Length];
                new CounterRandom(settings.EffectiveNoiseSeed, CounterRandom.StreamOf(DeviceNoiseKernels.TableTag)).FillNormal(expected);
                Reference.SameBits(expected, table, "the full-rank table");
            }
        }
    }
}
