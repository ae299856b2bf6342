namespace ModelMerge.Methods.Framework;

/// <summary>
/// A prepared combine with something the user should hear about the tensor it was prepared for —
/// a value mergekit accepts silently but that is rarely meant (Model Stock extrapolating, §11
/// decision 4). The plan layer passes the remarks on as warnings; the numbers do not change.
/// </summary>
public interface IMergeRemarks
{
    IEnumerable<string> Remarks { get; }
}
