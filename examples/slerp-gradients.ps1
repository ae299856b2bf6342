<#
.SYNOPSIS
    SLERP between two fine-tunes with t varying by layer and by tensor (mergekit's classic recipe):
    attention moves from the first model to the second with depth, the MLPs the other way round.
.EXAMPLE
    ./examples/slerp-gradients.ps1 -FineTuned ./ft-chat,./ft-code -Output ./merged
#>
param(
    [string] $Base,
    [Parameter(Mandatory)] [string[]] $FineTuned,
    [Parameter(Mandatory)] [string] $Output,
    [switch] $Force
)

if (-not (Get-Module ModelMerge)) { Import-Module ModelMerge -ErrorAction Stop }

# t = 0 is the first model (the base of the interpolation), t = 1 the second.
$t = [ordered]@{
    self_attn = 0, 0.5, 0.3, 0.7, 1
    mlp       = 1, 0.5, 0.7, 0.3, 0
    default   = 0.5
}

Get-Checkpoint $FineTuned[1] |
    Invoke-Merge slerp -Base $FineTuned[0] -T $t |
    Export-Checkpoint $Output -Force:$Force -PassThru
