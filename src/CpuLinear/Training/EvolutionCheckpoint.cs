using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Evolution;
using CpuLinear.Networks;

namespace CpuLinear.Training;

/// <summary>
/// ES state in the project's safetensors checkpoint: θ, Adam m and v as tensors; the generation (schedule
/// position) as the step; Adam's step count and every <see cref="EvolutionSettings"/> field as metadata.
/// Nothing else is needed: noise and minibatches are regenerated from (seed, generation).
/// </summary>
public static class EvolutionCheckpoint
{
    /// <summary>The checkpoint's trainer name.</summary>
    public const string TrainerName = "es";

    /// <summary>Captures the run's state after its last completed generation.</summary>
    /// <param name="trainer">The run (the CPU-driven trainer or a device driver).</param>
    /// <param name="elapsedSeconds">
    /// Wall time the run has taken so far, all sessions together; a resumed run continues its clock from here,
    /// so metrics and time-to-accuracy read as one run.
    /// </param>
    public static Checkpoint Capture(IEvolutionRun trainer, double elapsedSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        EvolutionSettings s = trainer.Settings;
        var extra = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["es_pairs"] = Text(s.Pairs),
            ["es_batch"] = Text(s.BatchSize),
            ["es_generations"] = Text(s.Generations),
            ["es_sigma_initial"] = Text(s.SigmaInitial),
            ["es_sigma_final"] = Text(s.SigmaFinal),
            ["es_lr_initial"] = Text(s.LearningRateInitial),
            ["es_lr_final"] = Text(s.LearningRateFinal),
            ["es_weight_decay"] = Text(s.WeightDecay),
            ["es_rank"] = Text(s.Rank),
            ["es_first_layer_units"] = Text(s.FirstLayerUnits),
            ["es_fixed_weight_rms"] = s.FixedWeightRms ? "true" : "false",
            ["es_optimizer"] = OptimizerNames[(int)s.Optimizer],
            ["es_fitness_shaping"] = ShapingNames[(int)s.Shaping],
            ["es_decay_mode"] = DecayNames[(int)s.DecayMode],
            ["es_fitness_temperature"] = Text(s.FitnessTemperature),
            ["es_adam_step"] = Text(trainer.AdamStep),
            ["es_elapsed_s"] = Text(elapsedSeconds),
            ["es_later_layer_pairs"] = Text(s.LaterLayerPairs),
        };
        if (s.UsesActivityMembers)
        {
            extra["es_activity_pairs"] = Text(s.ActivityPairs);
            extra["es_activity_units"] = ActivityUnitNames[(int)s.ActivityUnits];
        }
        if (s.SigmaLayerScales.Count != 0)
        {
            extra["es_sigma_layer_scales"] = s.SigmaLayerScales.ToString();
        }

        if (s.NoiseSeed is { } noiseSeed)
        {
            extra["es_noise_seed"] = noiseSeed.ToString(CultureInfo.InvariantCulture);
        }

        return new Checkpoint(
            trainer.Parameters.Clone(), FloatSemantics.FtzElementwise, TrainerName, null, s.Seed, trainer.Generation,
            trainer.AdamFirstMoment.ToArray(), trainer.AdamSecondMoment.ToArray())
        {
            Extra = extra,
        };
    }

    /// <summary>Rebuilds a trainer that continues exactly where <paramref name="checkpoint"/> stopped.</summary>
    /// <exception cref="ArgumentException">The checkpoint was not written by the ES trainer or lacks its state.</exception>
    /// <param name="checkpoint">An ES checkpoint.</param>
    /// <param name="engine">Threads and kernel path of the CPU work.</param>
    /// <param name="evaluator">Where the population is evaluated (see <see cref="EvolutionTrainer"/>); null for the CPU engine.</param>
    public static EvolutionTrainer Resume(Checkpoint checkpoint, EngineSettings? engine = null, Populations.IPopulationEvaluator? evaluator = null)
    {
        RequireResumable(checkpoint);
        if (SettingsOf(checkpoint).UsesActivityMembers)
        {
            throw new ArgumentException("This checkpoint's run used activity members; resume it with ResumeRun (an ActivityEvolutionRun).", nameof(checkpoint));
        }


        RequireResumable(checkpoint);
        EvolutionSettings settings = SettingsOf(checkpoint);
        var trainer = new EvolutionTrainer(checkpoint.Parameters.Clone(), settings, engine, evaluator);
        trainer.Restore(checkpoint.Step, checkpoint.AdamFirstMoment!, checkpoint.AdamSecondMoment!, AdamStepOf(checkpoint));
        return trainer;
    }

    /// <summary>
    /// Rebuilds whichever run wrote <paramref name="checkpoint"/>, continuing exactly where it stopped: an
    /// <see cref="ActivityEvolutionRun"/> for activity members (CPU engine only), otherwise an <see cref="EvolutionTrainer"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Not a resumable ES checkpoint, or an activity run given an evaluator.</exception>
    public static IEvolutionRun ResumeRun(Checkpoint checkpoint, EngineSettings? engine = null, Populations.IPopulationEvaluator? evaluator = null)
    {
        RequireResumable(checkpoint);
        EvolutionSettings settings = SettingsOf(checkpoint);
        if (!settings.UsesActivityMembers)
        {
            return Resume(checkpoint, engine, evaluator);
        }

        if (evaluator is not null and not Populations.CpuPopulationEvaluator)
        {
            throw new ArgumentException($"Activity members run on the CPU engine only; {evaluator.Description} cannot continue this run.", nameof(evaluator));
        }

        var run = new ActivityEvolutionRun(checkpoint.Parameters.Clone(), settings, engine);
        run.Restore(checkpoint.Step, checkpoint.AdamFirstMoment!, checkpoint.AdamSecondMoment!, AdamStepOf(checkpoint));
        return run;
    }

    /// <summary>
    /// Throws unless <paramref name="checkpoint"/> was written by the ES trainer with its Adam state (what
    /// <see cref="Resume"/> and any other driver that continues an ES run need).
    /// </summary>
    /// <exception cref="ArgumentException">Another trainer's checkpoint, or no Adam state.</exception>
    public static void RequireResumable(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Trainer != TrainerName || checkpoint.AdamFirstMoment is null || checkpoint.AdamSecondMoment is null)
        {
            throw new ArgumentException($"Only an ES checkpoint with Adam state can be resumed as ES; this one was written by '{checkpoint.Trainer}'.", nameof(checkpoint));
        }
    }

    /// <summary>Adam's step count stored in an ES checkpoint.</summary>
    /// <exception cref="ArgumentException">The checkpoint lacks it.</exception>
    public static long AdamStepOf(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Integer(checkpoint, "es_adam_step");
    }

    /// <summary>The settings stored in an ES checkpoint.</summary>
    public static EvolutionSettings SettingsOf(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new EvolutionSettings
        {
            Pairs = (int)Integer(checkpoint, "es_pairs"),
            BatchSize = (int)Integer(checkpoint, "es_batch"),
            Generations = (int)Integer(checkpoint, "es_generations"),
            SigmaInitial = Single(checkpoint, "es_sigma_initial"),
            SigmaFinal = Single(checkpoint, "es_sigma_final"),
            LearningRateInitial = Single(checkpoint, "es_lr_initial"),
            LearningRateFinal = Single(checkpoint, "es_lr_final"),
            WeightDecay = Single(checkpoint, "es_weight_decay"),
            Rank = (int)Integer(checkpoint, "es_rank"),
            // Checkpoints written before the setting existed perturbed every unit.
            FirstLayerUnits = checkpoint.Extra.ContainsKey("es_first_layer_units") ? (int)Integer(checkpoint, "es_first_layer_units") : 0,
            // Checkpoints written before the setting existed let the weights' scale drift.
            FixedWeightRms = checkpoint.Extra.TryGetValue("es_fixed_weight_rms", out string? fixedRms) && Flag(fixedRms),
            Seed = checkpoint.Seed,
            // Checkpoints written before these settings existed ran OpenAI-ES's defaults.
            NoiseSeed = checkpoint.Extra.TryGetValue("es_noise_seed", out string? noiseSeed) ? UnsignedInteger(noiseSeed, "es_noise_seed") : null,
            Optimizer = (EvolutionOptimizer)Named(checkpoint, "es_optimizer", OptimizerNames),
            Shaping = (FitnessShaping)Named(checkpoint, "es_fitness_shaping", ShapingNames),
            DecayMode = (WeightDecayMode)Named(checkpoint, "es_decay_mode", DecayNames),
            FitnessTemperature = checkpoint.Extra.ContainsKey("es_fitness_temperature") ? Single(checkpoint, "es_fitness_temperature") : 1f,
            // Checkpoints written before the setting existed had no later-layer pairs.
            LaterLayerPairs = checkpoint.Extra.TryGetValue("es_later_layer_pairs", out string? laterPairs) ? Count(laterPairs, "es_later_layer_pairs") : 0,
            // Runs whose members perturb θ write no activity keys.
            ActivityPairs = checkpoint.Extra.TryGetValue("es_activity_pairs", out string? activityPairs) ? Count(activityPairs, "es_activity_pairs") : 0,
            ActivityUnits = checkpoint.Extra.ContainsKey("es_activity_units") ? (ActivityUnits)Named(checkpoint, "es_activity_units", ActivityUnitNames) : ActivityUnits.All,
            // Checkpoints written before the setting existed searched every layer at σ.
            SigmaLayerScales = checkpoint.Extra.TryGetValue("es_sigma_layer_scales", out string? scales) ? ScalesOf(scales) : LayerScales.None,
        };
    }

    /// <summary>The names <c>es_optimizer</c> takes, by <see cref="EvolutionOptimizer"/> value (the CLI's too).</summary>
    public static IReadOnlyList<string> OptimizerNames { get; } = ["adam", "sgd"];

    /// <summary>The names <c>es_activity_units</c> takes, by <see cref="ActivityUnits"/> value (the CLI's too).</summary>
    public static IReadOnlyList<string> ActivityUnitNames { get; } = ["all", "live"];

    /// <summary>The names <c>es_fitness_shaping</c> takes, by <see cref="FitnessShaping"/> value.</summary>
    public static IReadOnlyList<string> ShapingNames { get; } = ["ranks", "zscore"];

    /// <summary>The names <c>es_decay_mode</c> takes, by <see cref="WeightDecayMode"/> value.</summary>
    public static IReadOnlyList<string> DecayNames { get; } = ["l2", "decoupled"];

    /// <summary>The run's wall time stored by <see cref="Capture"/>; 0 for checkpoints written before it was stored.</summary>
    public static double ElapsedSecondsOf(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.Extra.TryGetValue("es_elapsed_s", out string? text) ? double.Parse(text, CultureInfo.InvariantCulture) : 0;
    }

    // "R" round-trips every float exactly, so the resumed schedule has the same bits.
    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Value(Checkpoint checkpoint, string key) =>
        checkpoint.Extra.TryGetValue(key, out string? text)
            ? text
            : throw new ArgumentException($"The ES checkpoint has no '{key}' metadata.", nameof(checkpoint));

    private static bool Flag(string text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => throw new ArgumentException($"The ES checkpoint's 'es_fixed_weight_rms' must be true or false; found '{text}'."),
    };

    /// <summary>The index of <paramref name="text"/> in one of the name lists above (the setting's value), or −1.</summary>
    public static int IndexOfName(IReadOnlyList<string> names, string text)
    {
        ArgumentNullException.ThrowIfNull(names);
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == text)
            {
                return i;
            }
        }

        return -1;
    }

    // An absent key is the first name (the setting's default); an unknown one is an error naming the choices.
    private static int Named(Checkpoint checkpoint, string key, IReadOnlyList<string> names)
    {
        if (!checkpoint.Extra.TryGetValue(key, out string? text))
        {
            return 0;
        }

        int index = IndexOfName(names, text);
        return index >= 0
            ? index
            : throw new ArgumentException($"The ES checkpoint's '{key}' must be one of {string.Join(", ", names)}; found '{text}'.", nameof(checkpoint));
    }

    private static LayerScales ScalesOf(string text)
    {
        try
        {
            return LayerScales.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The ES checkpoint's 'es_sigma_layer_scales' is invalid: {e.Message}", e);
        }
    }

    private static ulong UnsignedInteger(string text, string key) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw new ArgumentException($"The ES checkpoint's '{key}' must be an unsigned integer; found '{text}'.");
    private static int Count(string text, string key) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"The ES checkpoint's '{key}' must be a non-negative integer; found '{text}'.");

    private static long Integer(Checkpoint checkpoint, string key) => long.Parse(Value(checkpoint, key), CultureInfo.InvariantCulture);

    private static float Single(Checkpoint checkpoint, string key) => float.Parse(Value(checkpoint, key), CultureInfo.InvariantCulture);
}
