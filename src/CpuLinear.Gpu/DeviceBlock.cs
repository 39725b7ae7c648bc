using CpuLinear.Evolution;

namespace CpuLinear.Gpu;

/// <summary>
/// One block of a device ES population: pairs [<see cref="FirstPair"/>, FirstPair + <see cref="Pairs"/>) of the
/// generation, all of one member kind, drawing their noise from the streams of pairs StreamFirstPair + i (the host
/// kinds' numbering: a later-layer block counts from its place in the population, the first block from 0).
/// </summary>
/// <param name="Kind">Full rank, low rank, unit subset or later layers.</param>
/// <param name="FirstPair">The population index of the block's first pair.</param>
/// <param name="Pairs">Pairs in the block.</param>
/// <param name="StreamFirstPair">The stream index of the block's first pair.</param>
/// <param name="FirstPerturbed">θ's first parameter the block perturbs (<see cref="PopulationNoise.FirstPerturbedParameter"/>).</param>
internal readonly record struct DeviceBlock(MemberKind Kind, int FirstPair, int Pairs, int StreamFirstPair, int FirstPerturbed);
