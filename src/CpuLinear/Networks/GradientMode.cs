namespace CpuLinear.Networks;

/// <summary>How backprop differentiates the flushed (dead-zone) network.</summary>
public enum GradientMode
{
    /// <summary>
    /// The blog's TensorFlow autodiff: the forward pass is the real float32 function (dead zones and all), the
    /// backward pass differentiates every op as if nothing were flushed. In scaled units each layer is then
    /// just h·W + b, so this is the linear network's gradient evaluated at the flushed activations.
    /// </summary>
    StraightThrough,

    /// <summary>The gradient of the pure linear map: forward and backward with no flush anywhere.</summary>
    PureLinear,

    /// <summary>
    /// Beyond the blog: the true derivative of every dead zone, zero wherever a value was flushed (the sum,
    /// the product entering the bias add, and the bias itself).
    /// </summary>
    FtzAware,
}
