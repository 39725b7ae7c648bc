using Snapshooter;
using Snapshooter.Xunit;

namespace CpuLinear.Tests;

/// <summary>Compares lines with a snapshot committed under the test project, and fails if there was none.</summary>
internal static class CommittedSnapshot
{
    /// <summary>Matches <paramref name="lines"/> against <c>&lt;project&gt;/&lt;folder&gt;/__snapshots__/&lt;fileName&gt;</c>.</summary>
    public static void Match(IReadOnlyList<string> lines, string folder, string fileName)
    {
        // An explicit folder: CI builds map source paths to /_/, where Snapshooter's own lookup would silently
        // create a fresh snapshot (and pass) instead of reading the committed one.
        string directory = Path.Combine(TestProjectDirectory(), folder, "__snapshots__");
        bool existed = File.Exists(Path.Combine(directory, fileName));
        Snapshot.Match(lines, new SnapshotFullName(fileName, directory));
        Assert.True(existed, $"No committed snapshot: one was written to {directory}; review it and commit it.");
        // Read back and compared here too: with an explicit SnapshotFullName, Snapshooter 1.3.1 was seen to pass
        // an edited snapshot, and a snapshot test that cannot fail proves nothing.
        string[]? committed = System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(directory, fileName)));
        Assert.Equal(committed, lines);
    }

    private static string TestProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CpuLinear.Tests.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"CpuLinear.Tests.csproj not found above {AppContext.BaseDirectory}.");
    }
}
