namespace CpuLinear.Optimization;

/// <summary>
/// Constant learning rate, then step decay: <c>lr · factor^k</c> after the k-th decay epoch. The default
/// used by the trainer (half the epochs at 1e-3, the rest at 3e-4) is the schedule behind the FTZ-aware
/// reference figure in docs/science.md §9 ("Backprop and the linear ceiling").
/// </summary>
public sealed record LearningRateSchedule(float Initial, IReadOnlyList<int> DecayEpochs, float Factor)
{
    /// <summary><paramref name="initial"/> for the first half of <paramref name="epochs"/> (rounded up), then × 0.3.</summary>
    public static LearningRateSchedule HalfThenDecay(float initial, int epochs) =>
        new(initial, epochs > 1 ? [(epochs + 1) / 2] : [], 0.3f);

    /// <summary>The learning rate of (zero-based) <paramref name="epoch"/>.</summary>
    public float At(int epoch)
    {
        float rate = Initial;
        foreach (int decay in DecayEpochs)
        {
            if (epoch >= decay)
            {
                rate *= Factor;
            }
        }

        return rate;
    }
}
