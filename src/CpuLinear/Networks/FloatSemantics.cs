namespace CpuLinear.Networks;

/// <summary>Which float32 rules a network is run under (see the README's "Three float semantics").</summary>
public enum FloatSemantics
{
    /// <summary>Gradual underflow everywhere: mathematics up to rounding, so the network is (almost) linear.</summary>
    Ieee,

    /// <summary>
    /// GEMMs keep subnormals; element-wise ops (bias add, scaling by 2^±S) flush with FTZ + DAZ. The paper's
    /// setting (GPU element-wise kernels built with ftz, cuBLAS keeping denormals) and the default.
    /// </summary>
    FtzElementwise,

    /// <summary>FTZ + DAZ on every operation, GEMMs included: a CPU thread with both MXCSR bits set.</summary>
    FtzEverywhere,
}
