namespace CpuLinear.Evolution;

/// <summary>
/// A block population: one generation's pairs in consecutive blocks, each block its own noise of its own kind
/// (for example <see cref="EvolutionSettings.Pairs"/> unit-subset or low-rank pairs, then
/// <see cref="EvolutionSettings.LaterLayerPairs"/> <see cref="LaterLayerNoise"/> pairs). Pair j of the population is
/// pair j − first(b) of the block b that holds it, and its noise is a pure function of (seed, g, j).
/// </summary>
/// <remarks>
/// <para>
/// <b>The estimate</b> (<see cref="PopulationNoise.Estimate"/>): with dⱼ the pair's difference of centered ranks,
/// parameter i gets <c>ĝᵢ = (Σ_b Σ_{j∈b} dⱼ·εⱼᵢ) / (2·nᵢ)</c>, the blocks summed in index order and each block's pairs in
/// index order, where nᵢ is the number of pairs that perturb parameter i: the pairs of every block whose
/// <see cref="PopulationNoise.FirstPerturbedParameter"/> is at most i. So W₁ and b₁ are estimated from the
/// first-layer pairs alone and divided by their count, and the later layers, which every pair perturbs, by all
/// of them. Dividing everything by the whole population instead would shrink W₁'s estimate by P/(P + M) and mix
/// two scales into one Adam update; each block's noise has identity covariance on what it perturbs, so every
/// pair that perturbs a parameter is an equally weighted sample of the same directional derivative.
/// </para>
/// <para>
/// <b>Ranks:</b> the strategy ranks the whole population together, not each block apart. All members are
/// scored on the same minibatch around the same θ, so one ranking keeps the blocks' differences in the same units
/// where their estimates are added (W₂ onward); ranking each block alone would rescale each block to its own
/// fitness spread and bring back the mixed scales the per-parameter division avoids.
/// </para>
/// </remarks>
public sealed class BlockNoise : PopulationNoise
{
    private readonly PopulationNoise[] _blocks;
    private readonly int[] _firstPair;

    /// <summary>A population of <paramref name="blocks"/> in this order; they share θ's length and the seed.</summary>
    /// <exception cref="ArgumentException">No blocks, a block inside another block, or blocks for different θ lengths or seeds.</exception>
    public BlockNoise(IReadOnlyList<PopulationNoise> blocks)
        : base(MemberKind.Blocks, First(blocks).ParameterCount, TotalPairs(blocks), First(blocks).Seed)
    {
        _blocks = [.. blocks];
        _firstPair = new int[_blocks.Length];
        int first = 0;
        for (int b = 0; b < _blocks.Length; b++)
        {
            PopulationNoise block = _blocks[b] ?? throw new ArgumentException($"Block {b} is null.", nameof(blocks));
            if (block is BlockNoise)
            {
                throw new ArgumentException("A block population's blocks must be plain kinds, not block populations.", nameof(blocks));
            }

            if (block.ParameterCount != ParameterCount || block.Seed != Seed)
            {
                throw new ArgumentException(
                    $"Block {b} perturbs {block.ParameterCount} parameters with seed {block.Seed}; block 0 perturbs {ParameterCount} with seed {Seed}.", nameof(blocks));
            }

            if (block is LaterLayerNoise later && later.FirstPair != first)
            {
                throw new ArgumentException($"Block {b} starts at pair {first} of the population, but its later-layer noise is numbered from pair {later.FirstPair}.", nameof(blocks));
            }

            _firstPair[b] = first;
            first += block.Pairs;
        }
    }

    /// <summary>The blocks, in pair order.</summary>
    public IReadOnlyList<PopulationNoise> Blocks => _blocks;

    /// <summary>The population index of block <paramref name="block"/>'s first pair.</summary>
    public int FirstPairOf(int block) => _firstPair[block];

    /// <summary>The smallest first perturbed parameter of any block.</summary>
    public override int FirstPerturbedParameter => _blocks.Min(b => b.FirstPerturbedParameter);

    /// <inheritdoc />
    protected override void DrawCore(long generation, EngineSettings engine)
    {
        foreach (PopulationNoise block in _blocks)
        {
            block.Draw(generation, engine);
        }
    }

    /// <summary>
    /// <c>gradient = Σⱼ weights[j]·εⱼ</c>: each block's weighted sum, added block by block in index order (a block
    /// adds nothing before its <see cref="PopulationNoise.FirstPerturbedParameter"/>).
    /// </summary>
    protected override void CombineCore(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings engine)
    {
        gradient.Clear();
        var part = new float[gradient.Length];
        for (int b = 0; b < _blocks.Length; b++)
        {
            PopulationNoise block = _blocks[b];
            block.Combine(weights.Slice(_firstPair[b], block.Pairs), part, engine);
            int from = block.FirstPerturbedParameter;
            if (b == 0)
            {
                part.AsSpan(from).CopyTo(gradient[from..]);
                continue;
            }

            for (int i = from; i < gradient.Length; i++)
            {
                gradient[i] += part[i];
            }
        }
    }

    /// <summary>
    /// ĝᵢ = (Σ_b Σ_{j∈b} dⱼ·εⱼᵢ)·(1 / (2·nᵢ)), nᵢ the pairs that perturb parameter i (see the type's remarks); 0 where
    /// no pair perturbs it.
    /// </summary>
    protected override void EstimateCore(ReadOnlySpan<float> differences, Span<float> gradient, EngineSettings engine)
    {
        CombineCore(differences, gradient, engine);

        // The parameters split into ranges at the blocks' first perturbed parameters; in each, nᵢ is constant.
        int[] starts = [.. _blocks.Select(b => b.FirstPerturbedParameter).Append(0).Append(gradient.Length).Distinct().Order()];
        for (int s = 0; s + 1 < starts.Length; s++)
        {
            int from = starts[s], to = starts[s + 1], perturbing = 0;
            foreach (PopulationNoise block in _blocks)
            {
                perturbing += block.FirstPerturbedParameter <= from ? block.Pairs : 0;
            }

            Span<float> range = gradient[from..to];
            if (perturbing == 0)
            {
                range.Clear();
                continue;
            }

            float inverseCount = 1f / (2 * perturbing);
            for (int i = 0; i < range.Length; i++)
            {
                range[i] *= inverseCount;
            }
        }
    }

    private static PopulationNoise First(IReadOnlyList<PopulationNoise> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        return blocks.Count > 0 && blocks[0] is { } first ? first : throw new ArgumentException("A block population needs at least one block.", nameof(blocks));
    }

    private static int TotalPairs(IReadOnlyList<PopulationNoise> blocks)
    {
        long total = blocks.Sum(b => (long)(b?.Pairs ?? 0));
        return total <= int.MaxValue ? (int)total : throw new ArgumentException($"The blocks have {total} pairs together; at most {int.MaxValue}.", nameof(blocks));
    }
}
