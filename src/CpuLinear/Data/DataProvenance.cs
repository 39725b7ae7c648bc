namespace CpuLinear.Data;

/// <summary>Where a dataset split came from, so results can name their inputs.</summary>
/// <param name="Description">Human-readable origin, e.g. "cache" or "synthetic xor, seed 1".</param>
/// <param name="ImagesPath">Image (or feature) file, or null for generated data.</param>
/// <param name="LabelsPath">Label file, or null for generated data.</param>
/// <param name="ImagesMd5">MD5 of the decompressed image IDX content, or null for generated data.</param>
/// <param name="LabelsMd5">MD5 of the decompressed label IDX content, or null for generated data.</param>
/// <param name="Checksum">Whether the MD5s were compared with published values.</param>
public sealed record DataProvenance(
    string Description,
    string? ImagesPath,
    string? LabelsPath,
    string? ImagesMd5,
    string? LabelsMd5,
    ChecksumStatus Checksum);
