using System.CommandLine;
using System.Text;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// Single output files a command writes (a figure, its table): refused if already there unless
/// <c>--overwrite</c>, as <see cref="RunOutputs"/> refuses a run, and written atomically (a temporary file in the
/// same folder, then renamed over the target, as checkpoints are) so a reader never sees half a file.
/// </summary>
internal static class OutputFiles
{
    /// <summary>The option that lets a command replace its output files.</summary>
    public static Option<bool> CreateOverwriteOption(string what) => new("--overwrite")
    {
        Description = $"Replace {what} if it already exists. Without it, the command refuses before doing any work.",
    };

    /// <summary>
    /// Creates the folders of <paramref name="paths"/> and makes sure none of them exists, unless
    /// <paramref name="overwrite"/> (then they are replaced when written).
    /// </summary>
    /// <param name="paths">The files the command will write.</param>
    /// <param name="overwrite">--overwrite was given.</param>
    /// <param name="option">The option or argument that named them, for the messages.</param>
    /// <exception cref="IOException">A folder cannot be created, or a file exists and <paramref name="overwrite"/> is false.</exception>
    public static void Claim(IReadOnlyList<string> paths, bool overwrite, string option)
    {
        foreach (string path in paths)
        {
            RunOutputs.CreateFolder(Path.GetDirectoryName(Path.GetFullPath(path))!, option);
        }

        string[] existing = [.. paths.Select(Path.GetFullPath).Where(p => File.Exists(p) || Directory.Exists(p))];
        if (existing.Length > 0 && (!overwrite || existing.Any(Directory.Exists)))
        {
            string names = string.Join(", ", existing.Select(f => $"'{f}'"));
            throw new IOException(overwrite
                ? $"{names} is a folder ({option}); choose a file name."
                : $"{names} already exists ({option}); refusing to replace it. Pass --overwrite to replace it, or choose another name.");
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary file in its folder.</summary>
    public static void Write(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark) to <paramref name="path"/> through a temporary file.</summary>
    public static void Write(string path, string text) => Write(path, new UTF8Encoding(false).GetBytes(text));
}
