namespace ModelMerge.Methods;

/// <summary>Which sparsifier a task-arithmetic-family method applies to each task vector.</summary>
public enum Sparsifier
{
    None,

    /// <summary>TIES's trim: the top-density magnitudes (§4.2 "magnitude").</summary>
    Magnitude,

    /// <summary>DARE's Bernoulli drop (§4.2 "random").</summary>
    Random,

    /// <summary>Breadcrumbs: drop the smallest and the gamma-largest magnitudes (§4.2 "magnitude_outliers").</summary>
    MagnitudeOutliers,

    /// <summary>DELLA: a drop whose keep probability grows with the magnitude's rank in its row (§4.2 "della_magprune").</summary>
    RankedRandom,
}

/// <summary>
/// One recipe method of the task-arithmetic family (merge-semantics §2 and §4): the same
/// algorithm configured by a sparsifier, sign consensus or not, and the defaults of normalize
/// and rescale. These defaults are mergekit's, so a recipe means the same thing here.
/// </summary>
public sealed record TaskArithmeticMethod(
    string Name, string DisplayName, string Reference, Sparsifier Sparsifier, bool SignConsensus, bool NormalizeDefault, bool RescaleDefault)
{
    public const double DefaultDensity = 1.0;
    public const double DefaultLambda = 1.0;

    /// <summary>Breadcrumbs' γ: the fraction of the largest magnitudes dropped as outliers (§4.5).</summary>
    public const double DefaultGamma = 0.01;

    /// <summary>DELLA's ε: how far the keep probability moves from density between a row's smallest and largest magnitude (§4.6).</summary>
    public const double DefaultEpsilon = 0.15;

    public static readonly TaskArithmeticMethod TaskArithmetic = new("task_arithmetic", "Task Arithmetic", "https://arxiv.org/abs/2212.04089", Sparsifier.None, false, false, false);
    public static readonly TaskArithmeticMethod Ties = new("ties", "TIES", "https://arxiv.org/abs/2306.01708", Sparsifier.Magnitude, true, true, false);
    public static readonly TaskArithmeticMethod DareLinear = new("dare_linear", "Linear DARE", "https://arxiv.org/abs/2311.03099", Sparsifier.Random, false, false, true);
    public static readonly TaskArithmeticMethod DareTies = new("dare_ties", "DARE TIES", "https://arxiv.org/abs/2311.03099", Sparsifier.Random, true, false, true);
    public static readonly TaskArithmeticMethod Breadcrumbs = new("breadcrumbs", "Model Breadcrumbs", "https://arxiv.org/abs/2312.06795", Sparsifier.MagnitudeOutliers, false, false, false);
    public static readonly TaskArithmeticMethod BreadcrumbsTies = new("breadcrumbs_ties", "Model Breadcrumbs with TIES", "https://arxiv.org/abs/2312.06795", Sparsifier.MagnitudeOutliers, true, false, false);
    public static readonly TaskArithmeticMethod Della = new("della", "DELLA", "https://arxiv.org/abs/2406.11617", Sparsifier.RankedRandom, true, true, true);
    public static readonly TaskArithmeticMethod DellaLinear = new("della_linear", "Linear DELLA", "https://arxiv.org/abs/2406.11617", Sparsifier.RankedRandom, false, false, true);

    public static IReadOnlyList<TaskArithmeticMethod> All { get; } = [TaskArithmetic, Ties, DareLinear, DareTies, Breadcrumbs, BreadcrumbsTies, Della, DellaLinear];

    public static TaskArithmeticMethod? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
