using CpuLinear.Checkpoints;

namespace CpuLinear.Cli.Commands;

/// <summary>Reads checkpoints for the commands, saying so when a file had no checksum to verify.</summary>
internal static class CheckpointFiles
{
    /// <summary>
    /// <see cref="SafetensorsCheckpoint.Read"/>, plus a warning on <paramref name="errors"/> for a file written
    /// before checkpoints carried the SHA-256 of their data.
    /// </summary>
    public static Checkpoint Read(string path, TextWriter errors)
    {
        Checkpoint checkpoint = SafetensorsCheckpoint.Read(path);
        if (checkpoint.DataSha256 is null)
        {
            errors.WriteLine(
                $"warning: '{path}' has no {SafetensorsCheckpoint.DigestKey} in its metadata (written before checkpoints carried one): " +
                "no checksum to verify; only its structure and that every parameter is finite were checked.");
        }

        return checkpoint;
    }
}
