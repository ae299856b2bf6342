namespace ModelMerge.Methods;

/// <summary>How TIES elects the sign of each element.</summary>
public enum SignRule
{
    /// <summary>The sign of the sum of the weighted deltas (mergekit's rule; a tie elects +).</summary>
    Sum,

    /// <summary>The majority of the weighted deltas' signs (a tie elects +).</summary>
    Count,
}

/// <summary>How a random or magnitude drop rescales the survivors.</summary>
public enum Rescale
{
    /// <summary>Leave the survivors as they are.</summary>
    None,

    /// <summary>Scale the survivors so the tensor keeps its L1 norm (mergekit's rule).</summary>
    L1,

    /// <summary>Multiply each survivor by 1/density, as the DARE paper does (equal in expectation).</summary>
    Inverse,
}
