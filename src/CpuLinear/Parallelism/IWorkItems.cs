namespace CpuLinear.Parallelism;

/// <summary>
/// A batch of independent work items run by <see cref="EngineParallel.For{TWork}"/>. A struct implementing it
/// is specialised by the JIT, so the per-item call is direct rather than through a delegate.
/// </summary>
internal interface IWorkItems
{
    /// <summary>Runs item <paramref name="index"/>. Items must not depend on each other's order.</summary>
    void Run(int index);
}
