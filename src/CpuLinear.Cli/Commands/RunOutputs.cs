using System.CommandLine;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// Keeps runs from overwriting each other: before a run starts, the files it will write into its <c>--out</c>
/// folder are checked, and if an earlier run left any of them the new run is refused (its checkpoint would be
/// replaced and its metrics appended to), unless <c>--overwrite</c> asks for exactly that.
/// </summary>
internal static class RunOutputs
{
    /// <summary>The option that lets a run replace an earlier one in the same folder.</summary>
    public static Option<bool> CreateOverwriteOption() => new("--overwrite")
    {
        Description = "Replace a run already in --out: its checkpoints and metrics are deleted before this run starts. Without it, such a run is refused.",
    };

    /// <summary>
    /// Creates <paramref name="outDir"/> and makes sure none of <paramref name="files"/> (relative to it, or
    /// absolute) exists; with <paramref name="overwrite"/> the existing ones are deleted instead, so the new run
    /// starts clean rather than appending to the old one's files.
    /// </summary>
    /// <param name="outDir">The run's folder.</param>
    /// <param name="files">Every file the run writes.</param>
    /// <param name="overwrite">--overwrite was given.</param>
    /// <param name="resume">The checkpoint that <c>--resume</c> would continue, for the message; null where the command cannot resume.</param>
    /// <param name="log">Where deletions are reported.</param>
    /// <exception cref="IOException">The folder cannot be created, or already holds a run and <paramref name="overwrite"/> is false.</exception>
    public static void Claim(string outDir, IReadOnlyList<string> files, bool overwrite, string? resume, TextWriter log)
    {
        string folder = CreateFolder(outDir, "--out");
        string[] existing = [.. files.Select(f => Path.GetFullPath(Path.Combine(folder, f))).Where(File.Exists)];
        if (existing.Length == 0)
        {
            return;
        }

        string names = string.Join(", ", existing.Select(f => $"'{f}'"));
        if (!overwrite)
        {
            string continueIt = resume is not null && File.Exists(resume) ? $"--resume {resume} to continue it, " : "";
            throw new IOException(
                $"'{folder}' already holds a run ({names}); refusing to replace it. Pass {continueIt}--overwrite to replace it, or choose another --out.");
        }

        log.WriteLine($"--overwrite: deleting the earlier run's {names}.");
        foreach (string file in existing)
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// <see cref="Directory.CreateDirectory(string)"/>, with an error that says which folder could not be
    /// created and why (the system's own message only names a path, e.g. "Could not find file '/proc/x'").
    /// </summary>
    /// <returns>The folder's full path.</returns>
    /// <exception cref="IOException">The folder cannot be created.</exception>
    public static string CreateFolder(string path, string option)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            return full;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create output folder '{full}' ({option}): {Reason(full, ex)}", ex);
        }
    }

    private static string Reason(string full, Exception ex)
    {
        // The deepest part of the path that exists says what stood in the way.
        string? existing = full, missing = null;
        while (existing is not null && !Directory.Exists(existing) && !File.Exists(existing))
        {
            missing = existing;
            existing = Path.GetDirectoryName(existing);
        }

        if (existing is not null && File.Exists(existing))
        {
            return $"'{existing}' is a file, not a folder.";
        }

        if (existing is null || missing is null)
        {
            return ex.Message;
        }

        string name = Path.GetFileName(missing);
        return ex is UnauthorizedAccessException
            ? $"no permission to create '{name}' in '{existing}' ({ex.Message.TrimEnd('.')})."
            : $"the folder '{existing}' does not allow creating '{name}' in it (the system reported: {ex.Message.TrimEnd('.')}).";
    }
}
