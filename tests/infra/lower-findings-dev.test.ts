import { describeLowerFindings } from "./lower-findings-assertions";

describeLowerFindings("dev");
