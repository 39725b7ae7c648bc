using System.Security.Cryptography;

namespace CpuLinear.Tests;

/// <summary>A fingerprint of a folder: every file under it, by relative path, with the SHA-256 of its bytes.</summary>
internal static class FolderHashes
{
    /// <summary>One line per file, "relative/path sha256", in ordinal order of the paths.</summary>
    public static string Of(string folder) => string.Join(
        Environment.NewLine,
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (Name: Path.GetRelativePath(folder, f), Hash: Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => $"{f.Name} {f.Hash}"));
}
