using CpuLinear.Cli.Commands;

namespace CpuLinear.Tests.Data;

public sealed class DataCommandTests
{
    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => DataCommand.Create(c, e)], args);

    [Fact]
    public void Info_on_a_synthetic_task_prints_counts_balance_and_origin()
    {
        (int exit, string output, string errors) = Run("data", "info", "parity4", "--seed", "3");
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        Assert.Contains("parity4", output);
        Assert.Contains("Generated", output);
        Assert.Contains("4-bit parity (seed 3", output);
        Assert.Contains("│ 0     │     8 │    8 │", output);
    }

    [Fact]
    public void Unavailable_data_is_one_clear_error_without_stack_trace()
    {
        string empty = Path.Combine(Path.GetTempPath(), "cpulinear-none-" + Guid.NewGuid().ToString("N"));
        (int exit, string output, string errors) = Run("data", "info", "mnist", "--data", empty);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: Dataset 'mnist' is not available", errors);
        Assert.Contains("cpulinear data fetch mnist", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    [Fact]
    public void Unknown_name_fails_with_the_known_names()
    {
        (int exit, _, string errors) = Run("data", "info", "cifar");
        Assert.Equal(2, exit); // a usage error
        Assert.Contains("Unknown dataset 'cifar'", errors);
        Assert.Contains("mnist, fashion-mnist, xor, circles, parity4", errors);
    }
}
