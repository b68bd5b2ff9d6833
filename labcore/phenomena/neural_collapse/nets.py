"""Networks whose penultimate features are exposed: an MLP, and the Colab's ResNet18
(3x3 stride-1 first conv, no max-pool) for the paper-scale preset."""
from __future__ import annotations

import torch
from torch import nn


class FeatureNet(nn.Module):
    """body (x -> penultimate features h) followed by a linear classifier (h -> logits)."""

    def __init__(self, body: nn.Module, width: int, n_classes: int) -> None:
        super().__init__()
        self.body = body
        self.classifier = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, ...) -> (n, C)
        return self.classifier(self.body(x))

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(h (n, d), logits (n, C)) in one pass."""
        h = self.body(x)
        return h, self.classifier(h)


def mlp(d_in: int, widths: tuple[int, ...], n_classes: int, batchnorm: bool = False) -> FeatureNet:
    """ReLU MLP d_in -> widths... -> C (Linear, [BatchNorm], ReLU per hidden layer); the
    features are the last hidden layer after its ReLU."""
    layers: list[nn.Module] = []
    prev = d_in
    for w in widths:
        layers += [nn.Linear(prev, w), *([nn.BatchNorm1d(w)] if batchnorm else []), nn.ReLU()]
        prev = w
    return FeatureNet(nn.Sequential(*layers), prev, n_classes)


def resnet18(in_channels: int, n_classes: int) -> FeatureNet:
    """torchvision's ResNet18 as in the authors' Colab: conv1 3x3 stride 1 without bias, no
    max-pool; the features are the 512 averaged channels that feed `fc`."""
    from torchvision.models import resnet18 as tv_resnet18

    net = tv_resnet18(num_classes=n_classes)
    net.conv1 = nn.Conv2d(in_channels, net.conv1.out_channels, 3, 1, 1, bias=False)
    net.maxpool = nn.Identity()
    width = net.fc.in_features
    net.fc = nn.Identity()  # the body ends at the pooled, flattened features (n, 512)
    return FeatureNet(net, width, n_classes)
