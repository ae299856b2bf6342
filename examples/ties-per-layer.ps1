<#
.SYNOPSIS
    TIES with per-model weights and densities that vary with depth and by tensor, as a mergekit
    recipe writes them: the first fine-tune keeps more of its early layers, the second weighs
    more in the MLPs.
.EXAMPLE
    ./examples/ties-per-layer.ps1 -Base ./base -FineTuned ./ft-math,./ft-code -Output ./merged
#>
param(
    [Parameter(Mandatory)] [string] $Base,
    [Parameter(Mandatory)] [string[]] $FineTuned,
    [Parameter(Mandatory)] [string] $Output,
    [switch] $Force
)

if (-not (Get-Module ModelMerge)) { Import-Module ModelMerge -ErrorAction Stop }

$vectors = Get-Checkpoint $Base | Get-TaskVector $FineTuned -Weight 1, @{ mlp = 0.8; default = 0.3 }

$vectors |
    Invoke-Merge ties -Density @{ default = 0.7, 0.3 }, 0.5 -Lambda 1.0 |
    Export-Checkpoint $Output -Force:$Force -PassThru
